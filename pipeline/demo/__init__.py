"""Demo and test data: a landing zone with planted cases, and the truth it should produce."""
