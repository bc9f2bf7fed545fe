"""Hypothesis profiles for the property tests: `ci` (the default) keeps each test to a bounded
number of examples; `long` runs many more on demand:

    HYPOTHESIS_PROFILE=long python -m pytest tests/fuzz -q
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture]
settings.register_profile("ci", max_examples=40, deadline=None, suppress_health_check=_SLOW, derandomize=True)
settings.register_profile("long", max_examples=2000, deadline=None, suppress_health_check=_SLOW)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
