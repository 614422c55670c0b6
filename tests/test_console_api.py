"""The rep console's API: staff sign-in cookie, the queue, taking, replying, handing back."""

from __future__ import annotations

import uuid

import pytest

from assistant.handoff import request_handoff

REP = ("priya", "priya-demo")


@pytest.fixture(scope="module")
def api(database_url):
    from fastapi.testclient import TestClient

    from api.main import app

    with TestClient(app, headers={"X-Console": "1"}) as client:  # as the pages send it
        yield client


def test_staff_sign_in_sets_a_cookie_that_pages_use(api):
    from fastapi.testclient import TestClient

    from api.main import app

    with TestClient(app) as browser:
        assert browser.get("/api/session").status_code == 401
        page = {"X-Console": "1"}  # what the sign-in page sends
        assert browser.post("/api/session", json={"username": "priya", "password": "priya-demo"}).status_code == 403
        wrong = browser.post("/api/session", json={"username": "priya", "password": "nope"}, headers=page)
        assert wrong.status_code == 401 and "Wrong username or password" in wrong.json()["detail"]
        signed_in = browser.post("/api/session", json={"username": "priya", "password": "priya-demo"}, headers=page)
        assert signed_in.status_code == 200 and signed_in.json()["role"] == "rep"
        cookie = signed_in.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert browser.get("/api/session").json()["username"] == "priya"
        assert browser.get("/console").status_code == 200
        assert browser.get("/dashboard").status_code == 403
        # A change made with the cookie alone (as a form from another site would) is refused.
        conversation = f"cookie-{uuid.uuid4().hex[:8]}"
        refused = browser.post(f"/api/conversations/{conversation}/take")
        assert refused.status_code == 403 and "X-Console" in refused.json()["detail"]
        basic_only = browser.post(f"/api/conversations/{conversation}/take", auth=REP)  # cached Basic credentials
        assert basic_only.status_code == 403 and "X-Console" in basic_only.json()["detail"]
        allowed = browser.post(f"/api/conversations/{conversation}/take", headers={"X-Console": "1"})
        assert allowed.status_code == 404  # past the check; nothing to take
        cookie_value = browser.cookies["staff_session"]
        assert browser.delete("/api/session", headers=page).status_code == 204
        assert browser.get("/console", follow_redirects=False).status_code == 303
        # Signed out on the server: the old cookie, sent again, signs nobody in.
        browser.cookies.set("staff_session", cookie_value)
        assert browser.get("/api/session").status_code == 401


def test_queue_take_and_hand_back(api, session):
    conversation = f"queue-{uuid.uuid4().hex[:8]}"
    request_handoff(session, conversation, "C00002", reason="wants a person")
    session.commit()
    queue = api.get("/api/conversations", auth=REP).json()
    item = next(i for i in queue["handoffs"] if i["conversation_id"] == conversation)
    assert (item["status"], item["customer_name"]) == ("waiting", "Sam Patel")
    taken = api.post(f"/api/conversations/{conversation}/take", auth=REP)
    assert taken.status_code == 200 and taken.json()["rep_id"] == "priya"
    other = api.post(f"/api/conversations/{conversation}/take", auth=("marcus", "marcus-demo"))
    assert other.status_code == 409 and "priya" in other.json()["detail"]
    queue = api.get("/api/conversations", auth=REP).json()
    assert next(i for i in queue["handoffs"] if i["conversation_id"] == conversation)["status"] == "with_rep"


def test_rep_message_needs_text_and_a_known_conversation(api):
    empty = api.post("/api/conversations/anything/messages", json={"text": "   "}, auth=REP)
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]
    unknown = api.post(f"/api/conversations/none-{uuid.uuid4().hex}/messages", json={"text": "hello"}, auth=REP)
    assert unknown.status_code == 404
    assert api.post(f"/api/conversations/none-{uuid.uuid4().hex}/return", auth=REP).status_code == 404


def test_pages_need_the_right_role(api):
    assert api.get("/console", follow_redirects=False).headers["location"] == "/signin?next=/console"
    assert api.get("/dashboard", follow_redirects=False).headers["location"] == "/signin?next=/dashboard"
    page = api.get("/")
    assert page.status_code == 200 and "socket.io" in page.text
    assert api.get("/vendor/socket.io-client/socket.io.min.js").status_code == 200
    assert api.get("/vendor/chart.js/chart.umd.js").status_code == 200
