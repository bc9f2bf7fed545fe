"""Record linkage of payroll workers to registered participants (CONTRACT.md section 5): the
Splink model's comparisons, scoring, the one-to-one assignment, review decisions, training."""
