"""Ingest: landing files (CSV, XLSX, Parquet) -> standardised Parquet with lineage columns."""
