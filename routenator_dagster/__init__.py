"""RouteNator: router-based synthetic function-calling data, fine-tuning and evaluation."""

__version__ = "0.1.0"
