"""Property-based fuzzing of the Lambda handlers (Hypothesis), seeded so every failure reproduces."""

from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings


def fuzz_settings(max_examples: int) -> hypothesis_settings:
    """The same examples every run (``derandomize``), no example database, no timing or health checks.

    Run time is bounded by ``max_examples`` alone, so CI stays predictable.
    """
    return hypothesis_settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
