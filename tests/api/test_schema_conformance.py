"""Every operation of /api/schema/ answers as the schema says, for any input it allows (schemathesis).

In process: schemathesis calls Django's WSGI application directly, on a
catalogue of a few panels, with a modest, fixed (derandomized) number of
generated requests per operation, so the run is reproducible and stays well
under a minute and a half. (schemathesis' own pytest plugin does not support
pytest 9 yet, so the operations are walked here.)
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 12


def failures_of(operation) -> list[str]:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case) -> None:
        case.call_and_validate()

    try:
        check()
    except Exception as error:  # schemathesis raises one error listing every failed check
        return [f"{operation.label}: {error}"]
    return []


@pytest.fixture
def application():
    """Django's WSGI application, leaving the test's transaction open between requests (as the test client does)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from panelapp.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_api_answers_as_its_schema_says(catalogue, application, settings):
    # Hundreds of requests from one client: the throttle (its 429 is documented) would cut the walk short.
    settings.API_THROTTLE_ANON_RATE = "100000/minute"
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    failures = [failure for operation in operations for failure in failures_of(operation)]
    assert not failures, "\n\n".join(failures)
