"""The three web pages in a real browser (Debian's headless Chromium, driven by Playwright).

Against the real servers: Rasa with its socket.io channel, the action
server, the sidecar serving the pages, and the test database. Screenshots
of each page are saved under tests/artifacts/.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import TEST_PORTS

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SITE = f"http://127.0.0.1:{TEST_PORTS['api_port']}"
TIMEOUT = 30_000


@pytest.fixture(scope="module")
def browser(stack):
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: `make test` installs it (make browser)")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 1360, "height": 860})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        page.on("dialog", lambda dialog: pytest.fail(f"a script ran in the page: {dialog.message}"))
        return page

    yield make
    for context in contexts:
        context.close()


def customer_signs_in(page, email: str, postcode: str) -> None:
    page.goto(SITE + "/")
    page.fill("#email", email)
    page.fill("#postcode", postcode)
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#status:text('Online')")
    page.wait_for_selector(".msg.bot")  # the greeting


def say(page, text: str) -> None:
    page.fill("#message", text)
    page.press("#message", "Enter")


def customer_asks_for_a_person(page, email: str, postcode: str, text: str) -> str:
    """Signs in, asks for a person, waits to be queued; the conversation id."""
    customer_signs_in(page, email, postcode)
    say(page, text)
    page.wait_for_selector(".msg.bot:has-text('queue')")
    return page.evaluate("JSON.parse(localStorage['northwind-chat']).sessionId")


def staff_signs_in(page, username: str, password: str, target: str) -> None:
    page.goto(SITE + target)
    assert page.url.startswith(SITE + "/signin")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#staff-signin button[type=submit]")
    page.wait_for_url(SITE + target)


def test_customer_asks_where_their_order_is_and_sees_its_real_status(new_page):
    page = new_page()
    customer_signs_in(page, "jane.doe@example.com", "LS1 4AP")
    assert "Jane" in page.inner_text("#messages")
    say(page, "where is my order?")
    page.wait_for_selector(".msg.bot:has-text('ORD-100001')")
    assert "out for delivery" in page.inner_text("#messages")
    page.screenshot(path=str(ARTIFACTS / "chat.png"))
    # The session survives a reload: same conversation, history still there, connected again.
    session_id = page.evaluate("JSON.parse(localStorage['northwind-chat']).sessionId")
    page.reload()
    page.wait_for_selector("#status:text('Online')")
    assert "ORD-100001" in page.inner_text("#messages")
    assert page.evaluate("JSON.parse(localStorage['northwind-chat']).sessionId") == session_id


def test_lost_connection_shows_and_the_widget_reconnects(new_page):
    page = new_page()
    customer_signs_in(page, "mia.wong@example.com", "BS1 5TR")
    page.evaluate("window.northwindChat.socket().io.engine.close()")
    page.wait_for_selector("#banner:visible")
    page.wait_for_selector("#status:text('Online')")
    assert page.is_hidden("#banner")
    say(page, "what are your opening hours?")
    page.wait_for_selector(".msg.bot:has-text('Monday')")


def test_rep_sees_a_handoff_sends_a_suggested_question_and_the_customer_sees_it(new_page):
    customer = new_page()
    conversation = customer_asks_for_a_person(customer, "sam.patel@example.com", "M14 5RT", "I want to talk to a human")

    rep = new_page()
    staff_signs_in(rep, "priya", "priya-demo", "/console")
    item = rep.wait_for_selector(f".queue-item[data-conversation='{conversation}']")
    assert "Sam Patel" in item.inner_text() and "waiting" in item.inner_text()
    item.click()
    rep.click("#take")
    rep.wait_for_selector("#transcript .msg.customer:has-text('talk to a human')")
    question = rep.wait_for_selector(".suggestion[data-suggestion]")
    text = question.inner_text()
    assert "ORD-100003" in text or "Fibre 100" in text  # built from Sam's own records
    question.click()
    assert rep.input_value("#reply") == text
    rep.screenshot(path=str(ARTIFACTS / "console.png"))
    rep.click("#send")
    rep.wait_for_selector(f"#transcript .msg.rep:has-text({text[:30]!r})")

    shown = customer.wait_for_selector(".msg.rep")
    assert text in shown.inner_text() and "Northwind team" in shown.inner_text()
    customer.screenshot(path=str(ARTIFACTS / "chat-with-rep.png"))

    # An empty reply is refused in the page, with a clear message.
    rep.fill("#reply", "   ")
    rep.click("#send")
    assert "empty" in rep.inner_text("#reply-error")


def test_rep_sends_the_suggested_offer_and_records_the_customers_yes(new_page):
    customer = new_page()
    conversation = customer_asks_for_a_person(
        customer, "mia.wong@example.com", "BS1 5TR", "can I speak to a person please"
    )

    rep = new_page()
    staff_signs_in(rep, "priya", "priya-demo", "/console")
    rep.wait_for_selector(f".queue-item[data-conversation='{conversation}']").click()
    rep.click("#take")
    offer = rep.wait_for_selector("#customer .offer")
    name = offer.query_selector("strong").inner_text().split(" · ")[0]
    offer.query_selector("button:text('Use in reply')").click()
    assert name in rep.input_value("#reply")
    rep.click("#send")
    customer.wait_for_selector(f".msg.rep:has-text({name!r})")  # the customer sees the offer

    rep.wait_for_selector(".offer-answer button:text('Yes, add it')").click()
    added = rep.wait_for_selector(".offer-answer .notice").inner_text()
    assert re.search(r"Added as SUB-\d+", added)
    rep.screenshot(path=str(ARTIFACTS / "console-offer-accepted.png"))

    # The supervisor sees offers by who made them: this one counts for reps.
    supervisor = new_page()
    staff_signs_in(supervisor, "sam", "sam-demo", "/dashboard")
    row = supervisor.wait_for_selector("#offers-by-channel tr:has(td:text-is('a rep'))")
    offered, accepted = (int(cell.inner_text()) for cell in row.query_selector_all("td")[1:3])
    assert offered >= 1 and accepted >= 1


def test_detractor_comment_shows_as_plain_text_with_a_follow_up(new_page):
    customer = new_page()
    customer_signs_in(customer, "tom.evans@example.com", "CF10 1EP")
    say(customer, "bye")
    customer.wait_for_selector(".replies button:text-is('3')").click()
    customer.wait_for_selector(".msg.bot:has-text('satisf')")
    say(customer, "2")
    customer.wait_for_selector(".msg.bot:has-text('effort'), .msg.bot:has-text('easy')")
    say(customer, "6")
    customer.wait_for_selector(".msg.bot:has-text('comment'), .msg.bot:has-text('anything')")
    comment = "<script>alert(1)</script> the engineer never came"
    say(customer, comment)
    customer.wait_for_selector(".msg.bot:has-text('contact you')")

    supervisor = new_page()
    staff_signs_in(supervisor, "sam", "sam-demo", "/dashboard")
    cell = supervisor.wait_for_selector(f"#log td.comment:text-is({comment!r})")
    assert cell.inner_html().startswith("&lt;script&gt;")  # shown as text, never run
    # The newest follow-up is due last: with more than ten open (other tests' detractors) it is behind "Show all".
    found = supervisor.wait_for_selector(
        f"#followups td.comment:text-is({comment!r}), #followups button:has-text('Show all')"
    )
    if found.evaluate("e => e.tagName") == "BUTTON":
        found.click()
    supervisor.wait_for_selector(f"#followups td.comment:text-is({comment!r})")
    supervisor.wait_for_selector("#nps:not(:text('–'))")
    supervisor.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    # An impossible date range gets a clear message in the page.
    supervisor.fill("#from", "2026-03-01")
    supervisor.fill("#to", "2026-01-01")
    supervisor.click("#apply")
    assert "no day can be in that range" in supervisor.inner_text("#range-error")


def test_a_rep_is_refused_the_dashboard_and_its_data(new_page):
    rep = new_page()
    staff_signs_in(rep, "marcus", "marcus-demo", "/console")
    response = rep.goto(SITE + "/dashboard")
    assert response.status == 403
    assert "Supervisors only" in rep.inner_text("body")
    rep.screenshot(path=str(ARTIFACTS / "dashboard-refused.png"))
    status = rep.evaluate("fetch('/api/scores').then(r => r.status)")
    assert status == 403
    # And nobody signed in gets a page at all.
    anonymous = new_page()
    anonymous.goto(SITE + "/console")
    assert re.search(r"/signin\?next=/console$", anonymous.url)
