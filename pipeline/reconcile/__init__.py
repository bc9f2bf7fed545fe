"""Reconcile: build the DuckDB models in sql/ over the validated sources, for one period."""
