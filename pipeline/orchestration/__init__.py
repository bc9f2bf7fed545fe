"""What Airflow needs around the pipeline's steps: run settings, a run's period and its place in
the order of months, failing fast on data errors, and the operators' alerts."""
