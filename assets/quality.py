"""Assets: quality."""
