"""Dataset quality: the paper's section-4 figures as numbers, plots and a standalone HTML report."""
