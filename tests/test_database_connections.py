"""The warm path keeps one database connection and never pins an RDS Proxy session."""

import psycopg
import pytest
from django.db import connection
from django.db.backends.signals import connection_created

from tests.conftest import load_event, load_function

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def web():
    return load_function("web")


def health_event():
    event = load_event("alb_get.json")
    event["path"] = "/health_check/"
    event["queryStringParameters"] = {"token": "test-health-token"}
    return event


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("RDS Proxy behaviour is a PostgreSQL concern")


def test_warm_requests_reuse_one_connection(web, lambda_context, postgresql_only):
    created = []
    connection_created.connect(lambda **kwargs: created.append(1), weak=False, dispatch_uid="count")
    try:
        connection.close()
        for _ in range(20):
            assert web.lambda_handler(health_event(), lambda_context)["statusCode"] == 200
    finally:
        connection_created.disconnect(dispatch_uid="count")
    assert len(created) == 1


def test_connecting_sends_no_set_statement(web, lambda_context, postgresql_only, monkeypatch):
    statements = []
    for cls in (psycopg.Cursor, psycopg.ClientCursor):
        original = cls.execute

        def recording(self, query, *args, _original=original, **kwargs):
            statements.append(query if isinstance(query, str) else repr(query))
            return _original(self, query, *args, **kwargs)

        monkeypatch.setattr(cls, "execute", recording)
    connection.close()
    assert web.lambda_handler(health_event(), lambda_context)["statusCode"] == 200
    assert statements, "the recorder saw no statements at all"
    assert not [s for s in statements if s.lstrip().upper().startswith("SET")]


def test_the_database_session_runs_in_utc(postgresql_only):
    with connection.cursor() as cursor:
        cursor.execute("SHOW TIME ZONE")
        assert cursor.fetchone()[0] == "UTC"
