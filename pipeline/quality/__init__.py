"""Data quality: operator settings for batch expectations, and the per-run quality report."""
