"""The sidecar: health and a customer's history, over HTTP."""

from __future__ import annotations

import httpx
import pytest

REP = ("priya", "priya-demo")
SUPERVISOR = ("sam", "sam-demo")


@pytest.fixture(scope="module")
def api(database_url):
    from fastapi.testclient import TestClient

    from api.main import app

    with TestClient(app) as client:
        yield client


def test_health(api):
    assert api.get("/health").json() == {"status": "ok", "database": "ok"}


def test_customer_history_has_the_records(api):
    body = api.get("/api/customers/C00001", auth=REP).json()
    assert body["name"] == "Jane Doe"
    assert "ORD-100001" in [order["number"] for order in body["recent_orders"]]
    latest, previous = body["latest_bills"][:2]
    assert latest["total_cents"] - previous["total_cents"] == 850
    assert sum(line["amount_cents"] for line in latest["lines"]) == latest["total_cents"]
    assert any(s["kind"] == "plan" and s["status"] == "active" for s in body["subscriptions"])


def test_unknown_customer_is_a_clear_404(api):
    response = api.get("/api/customers/C99999", auth=REP)
    assert response.status_code == 404
    assert "C99999" in response.json()["detail"]


def test_malformed_customer_id_is_a_422_not_a_500(api):
    response = api.get("/api/customers/%27%3B%20DROP%20TABLE", auth=REP)
    assert response.status_code == 422
    assert "detail" in response.json()


def test_openapi_documents_the_endpoints(api):
    paths = api.get("/openapi.json").json()["paths"]
    assert "/api/customers/{customer_id}" in paths and "/health" in paths


def test_running_sidecar_answers(sidecar_url):
    assert httpx.get(f"{sidecar_url}/health").status_code == 200


def test_customer_records_need_a_staff_sign_in(api):
    missing = api.get("/api/customers/C00001")
    # No Basic challenge: a browser would offer its own sign-in box, then send the credentials from any site.
    assert missing.status_code == 401 and "www-authenticate" not in missing.headers
    assert api.get("/api/customers/C00001", auth=("priya", "wrong")).status_code == 401
    assert api.get("/api/customers/C00001", auth=SUPERVISOR).status_code == 200


def test_scores_are_for_supervisors_only(api):
    assert api.get("/api/scores").status_code == 401
    refused = api.get("/api/scores", auth=REP)
    assert refused.status_code == 403 and refused.json()["detail"] == "Supervisors only."
    assert api.get("/api/scores", auth=SUPERVISOR).status_code == 200
