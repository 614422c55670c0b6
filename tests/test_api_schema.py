"""Schemathesis against the sidecar's own OpenAPI: whatever it is sent, no 5xx."""

from __future__ import annotations

import base64

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from api.main import app

schema = schemathesis.openapi.from_asgi("/openapi.json", app)
SUPERVISOR = "Basic " + base64.b64encode(b"sam:sam-demo").decode()


@pytest.fixture(autouse=True)
def _database(database_url, monkeypatch):
    """The demo database the sidecar reads; no Rasa server behind it."""
    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:1")


@schema.parametrize()
# derandomize: the same examples every run, so CI never fails on a new random draw;
# widen max_examples locally to explore further.
@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    response = case.call(headers={"Authorization": SUPERVISOR})
    # 503 is the one 5xx allowed: a clear "the assistant is unreachable", which it is here.
    unreachable = response.status_code == 503 and "could not be reached" in response.text
    assert response.status_code < 500 or unreachable, (
        f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
    )
