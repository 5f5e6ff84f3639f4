"""Every operation of /api/schema/ answers as the schema says: schemathesis, every check, every phase.

schemathesis' own engine (what ``schemathesis run --checks all`` runs) loads the
schema the app serves and calls Django's WSGI application in process: its
examples, coverage (boundary and invalid values of each parameter), fuzzing
(valid and invalid data) and stateful (links between operations) phases, with
all of its checks, among them that valid data is accepted, invalid data
refused and every answer matches its declared status, headers and body. The
run is seeded, so it makes the same requests every time; a failure names the
operation, the check and the request that reproduces it.

The engine runs its requests in a worker thread, which has a database
connection of its own: the catalogue is committed (a transactional test) so
that connection sees it. (schemathesis' pytest plugin does not support
pytest 9 yet, hence the engine.)
"""

import threading

import pytest
import schemathesis
from django.db import connections
from schemathesis.engine import Status, events, from_schema

from tests.panels.factories import add_str

pytestmark = pytest.mark.django_db(transaction=True)

SEED = 20261204
EXAMPLES_PER_OPERATION = 10


@pytest.fixture
def application():
    """Django's WSGI application; each worker thread's connection is closed after each request."""
    from django.core.signals import request_finished
    from panelapp.wsgi import application

    def close_worker_connections(**kwargs) -> None:
        if threading.current_thread() is not threading.main_thread():
            connections.close_all()  # else the test database could not be dropped at the end

    request_finished.connect(close_worker_connections)
    yield application
    request_finished.disconnect(close_worker_connections)


def run_schemathesis(application) -> tuple[list[str], set[tuple[str, str]]]:
    """Every failed check as ``operation: check: title``, and which phases ran for which operations."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    schema.config.seed = SEED
    schema.config.update(workers=1)
    schema.config.checks.update(included_check_names=["all"])
    schema.config.generation.update(
        modes=["positive", "negative"], max_examples=EXAMPLES_PER_OPERATION, database="none"
    )
    failures, tested = [], set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.NonFatalError):
            failures.append(f"{event.label}: error: {event.value!r}")
        elif isinstance(event, events.ScenarioFinished) and event.recorder.interactions:
            tested.add((event.phase.value, event.recorder.label))
            for check in (check for checks in event.recorder.checks.values() for check in checks):
                if check.status == Status.FAILURE and check.failure_info:
                    failure = check.failure_info.failure
                    failures.append(
                        f"{event.recorder.label}: {check.name}: {failure.title}\n{failure.message}\n"
                        f"{check.failure_info.code_sample}"
                    )
    return sorted(set(failures)), tested


def test_api_answers_as_its_schema_says(catalogue, curator, application, settings):
    # Hundreds of requests from one client: the throttle (its 429 is documented) would cut the walk short.
    settings.API_THROTTLE_ANON_RATE = "100000/minute"
    # An STR whose repeats the curator left out is served with them null.
    add_str(curator, catalogue["ataxia"], "FXN_GAA", normal_repeats=None, pathogenic_repeats=None)

    failures, tested = run_schemathesis(application)

    assert not failures, "\n\n".join(failures)
    coverage = {label for phase, label in tested if phase == "coverage"}
    fuzzing = {label for phase, label in tested if phase == "fuzzing"}
    assert len(coverage) >= 20 and coverage == fuzzing, tested
