"""What Airflow needs around the pipeline's steps: run settings, a run's period and its place in
the order of months, failing fast on data errors, the operators' alerts, and the defaults every
DAG gives its tasks."""
