"""The offer engine: eligibility, each guardrail, ranking, reasons, the model file."""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import date, datetime, timedelta

import pytest

from assistant.business import DEFAULT_DIR, BusinessDataError, load_catalog, parse_catalog
from assistant.offers.engine import ConversationContext, decide
from assistant.offers.profile import CustomerProfile, OwnedProduct, PlanHeld, TicketFact, load_profiles
from assistant.offers.propensity import (
    AddOnModel,
    ModelFileError,
    ModelStore,
    PropensityModel,
    features,
    load_model,
    train,
)

TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 12, 0)
CATALOG = load_catalog()


def fibre(code="fibre_500", speed=500):
    return PlanHeld(code, CATALOG.plans[code].name, "broadband", speed, TODAY - timedelta(days=900))


def laptop(status="delivered"):
    return OwnedProduct("LPT-AIR13", "Aero 13 laptop", "laptop", "ORD-1", NOW - timedelta(days=20), status)


def customer(**changes) -> CustomerProfile:
    base = dict(
        customer_id="C09999",
        first_name="Lee",
        region="Yorkshire",
        joined_on=TODAY - timedelta(days=900),
        today=TODAY,
        plans=(fibre(),),
        owned=(laptop(),),
    )
    base.update(changes)
    return CustomerProfile(**base)


def answered(**changes) -> ConversationContext:
    return ConversationContext(**{"request_answered": True, "now": NOW, **changes})


def model_preferring(code: str) -> PropensityModel:
    addons = {c: AddOnModel(-3.0, {}, 100, 5) for c in CATALOG.addons}
    addons[code] = AddOnModel(1.0, {"owns:laptop": 1.0}, 100, 60)
    return PropensityModel(addons, "test", 100)


# -- eligibility and what is never offered ------------------------------------


def test_offers_only_what_the_customer_may_take_and_does_not_have():
    decision = decide(customer(addons=frozenset({"online_security"})), answered(), CATALOG, None)
    offered = {o.code for o in decision.offers}
    why = {n.code: n.why for n in decision.not_offered}
    assert "online_security" not in offered and why["online_security"] == "already has it"
    # Needs a TV plan, a mobile plan, or Fibre 500/900 respectively.
    assert "streaming_pack" not in offered and "tv plan" in why["streaming_pack"]
    assert "extra_data" not in offered and "mobile" in why["extra_data"]
    assert {"device_protection", "cloud_backup", "static_ip", "mesh_wifi_boost"} <= offered


def test_plan_and_device_rules_from_the_catalog():
    slow_no_devices = customer(plans=(fibre("essential_36", 36),), owned=())
    decision = decide(slow_no_devices, answered(), CATALOG, None)
    offered = {o.code for o in decision.offers}
    assert not offered & {"static_ip", "mesh_wifi_boost", "device_protection", "cloud_backup"}
    assert "online_security" in offered


def test_region_and_excludes_rules(tmp_path):
    for name in ("catalog.yml", "policies.yml", "faq.yml"):
        shutil.copy(DEFAULT_DIR / name, tmp_path / name)
    path = tmp_path / "catalog.yml"
    path.write_text(
        path.read_text().replace(
            '    plans: [fibre_500, fibre_900]\n    reasons:\n      - "On {plan}',
            "    plans: [fibre_500, fibre_900]\n    regions: [Scotland]\n    excludes: [online_security]\n"
            '    reasons:\n      - "On {plan}',
        )
    )
    catalog = parse_catalog(path)
    assert catalog.addons["static_ip"].regions == ("Scotland",)
    in_yorkshire = decide(customer(), answered(), catalog, None)
    assert "static_ip" not in {o.code for o in in_yorkshire.offers}
    in_scotland = decide(customer(region="Scotland"), answered(), catalog, None)
    assert "static_ip" in {o.code for o in in_scotland.offers}
    with_security = decide(
        customer(region="Scotland", addons=frozenset({"online_security"})), answered(), catalog, None
    )
    assert "static_ip" not in {o.code for o in with_security.offers}


# -- the guardrails, one test each --------------------------------------------


def test_no_offer_during_a_complaint():
    decision = decide(customer(), answered(complaint_open=True), CATALOG, None)
    assert decision.offer_to_make is None and decision.hold.rule == "complaint"


def test_no_addon_offer_during_a_cancellation_only_the_retention_alternative(session):
    from assistant.plans import retention_offer

    decision = decide(customer(), answered(cancelling=True), CATALOG, None)
    assert decision.offer_to_make is None and decision.hold.rule == "cancellation" and decision.retention_only
    # The one alternative is matched to the reason given: a cheaper plan for price...
    price = retention_offer(session, "C00001", "price")
    assert price.kind == "cheaper_plan" and "less than you pay now" in price.alternative.text()
    # ...a free home move for moving, and nothing at all for switching provider.
    assert retention_offer(session, "C00001", "moving").kind == "home_move"
    assert retention_offer(session, "C00001", "switching_provider") is None


def test_no_offer_during_a_handoff():
    decision = decide(customer(), answered(handoff_active=True), CATALOG, None)
    assert decision.offer_to_make is None and decision.hold.rule == "handoff"


def test_no_offer_while_their_own_task_is_still_open():
    decision = decide(customer(), answered(task_in_progress="sorting out a technical problem"), CATALOG, None)
    assert decision.offer_to_make is None and decision.hold.rule == "task_in_progress"
    assert "technical problem" in decision.hold.message
    assert decide(customer(), answered(), CATALOG, None).offer_to_make is not None


def test_no_offer_while_a_ticket_is_unresolved():
    open_ticket = TicketFact("TKT-9", "technical", "Wi-Fi drops", "open", NOW - timedelta(days=2))
    decision = decide(customer(tickets=(open_ticket,)), answered(), CATALOG, None)
    assert decision.offer_to_make is None and "TKT-9" in decision.hold.message
    closed = TicketFact("TKT-9", "technical", "Wi-Fi drops", "closed", NOW - timedelta(days=2))
    assert decide(customer(tickets=(closed,)), answered(), CATALOG, None).offer_to_make is not None


def test_no_offer_within_90_days_of_a_detractor_score():
    recent = customer(nps_scores=((6, NOW - timedelta(days=89)),))
    decision = decide(recent, answered(), CATALOG, None)
    assert decision.offer_to_make is None and decision.hold.rule == "recent_detractor"
    assert decide(customer(nps_scores=((6, NOW - timedelta(days=91)),)), answered(), CATALOG, None).offer_to_make
    assert decide(customer(nps_scores=((7, NOW - timedelta(days=5)),)), answered(), CATALOG, None).offer_to_make


def test_at_most_one_offer_per_conversation():
    decision = decide(customer(), answered(offers_made=1), CATALOG, None)
    assert decision.offer_to_make is None and decision.hold.rule == "already_offered"


def test_no_offer_at_all_within_30_days_of_declining_any_addon():
    model = model_preferring("device_protection")
    declined = customer(declines={"cloud_backup": NOW - timedelta(days=29)})
    decision = decide(declined, answered(), CATALOG, model)
    assert decision.offer_to_make is None and decision.hold.rule == "recent_decline"
    later = customer(declines={"cloud_backup": NOW - timedelta(days=31)})
    assert decide(later, answered(), CATALOG, model).offer_to_make.code == "device_protection"
    # the add-on declined is still not the one offered once the quiet days are over for another
    same = customer(declines={"device_protection": NOW - timedelta(days=31)})
    assert decide(same, answered(), CATALOG, model).offer_to_make.code == "device_protection"


def test_in_a_chat_only_once_the_need_is_met_and_never_after_a_misreading():
    model = model_preferring("device_protection")
    assert decide(customer(), answered(need_met=False), CATALOG, model).hold.rule == "need_not_met"
    assert decide(customer(), answered(misunderstood=True), CATALOG, model).hold.rule == "misunderstood"
    assert decide(customer(), answered(need_met=True), CATALOG, model).offer_to_make.code == "device_protection"


def test_only_after_their_own_question_is_answered():
    decision = decide(customer(), ConversationContext(request_answered=False, now=NOW), CATALOG, None)
    assert decision.offer_to_make is None and decision.hold.rule == "not_answered"


def test_not_when_their_last_words_were_unhappy():
    decision = decide(customer(), answered(sentiment=-0.6), CATALOG, None)
    assert decision.offer_to_make is None and decision.hold.rule == "unhappy"


# -- ranking and reasons ------------------------------------------------------


def test_model_ranks_and_reason_names_the_customers_own_records():
    decision = decide(customer(), answered(), CATALOG, model_preferring("device_protection"))
    top = decision.offer_to_make
    # intercept 1 + weight 1 × one laptop of three: sigmoid(4/3)
    assert top.code == "device_protection" and top.score == pytest.approx(0.7914, abs=1e-4)
    assert "Aero 13 laptop" in top.reason
    assert top.monthly_price_cents == CATALOG.addons["device_protection"].monthly_price_cents


def test_counts_are_said_in_words_from_two_up():
    two = customer(owned=(laptop(), OwnedProduct("PHN-X9", "Nova X9 phone", "phone", "ORD-2", NOW, "delivered")))
    offer = next(o for o in decide(two, answered(), CATALOG, None).offers if o.code == "device_protection")
    assert offer.reason.startswith("You have two devices from us (Aero 13 laptop and Nova X9 phone)")
    one = next(o for o in decide(customer(), answered(), CATALOG, None).offers if o.code == "device_protection")
    assert "one devices" not in one.reason and "Aero 13 laptop" in one.reason


def test_customer_with_no_history_gets_an_honest_generic_reason():
    bare = customer(plans=(fibre("fibre_100", 100),), owned=(), joined_on=TODAY)
    model = train([], CATALOG)  # nothing to learn from: every add-on falls back to its share
    offers = decide(bare, answered(), CATALOG, model).offers
    assert offers, "broadband customers may take online security and more"
    for offer in offers:
        assert "you have" not in offer.reason.lower() or "Fibre 100" in offer.reason


# -- the model file -----------------------------------------------------------


@pytest.fixture(scope="module")
def demo_profiles():
    """The demo base made as of a fixed day, so what the model learns cannot move with the calendar."""
    from sqlalchemy.orm import Session

    from assistant import db
    from assistant.demo_data import load_demo_data, sync_catalog
    from assistant.models import Base

    engine = db.make_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine, future=True) as session:
        sync_catalog(session, CATALOG)
        load_demo_data(session, seed=7, customers=120, today=TODAY)
        session.commit()
        return load_profiles(session, today=TODAY)


def test_model_learns_what_similar_customers_own(demo_profiles):
    model = train(demo_profiles.values(), CATALOG)
    assert model.customers == len(demo_profiles)
    # In the demo base, people who bought devices take device protection far more often.
    with_devices = customer(addons=frozenset())
    without = customer(owned=())
    assert model.probability(with_devices, "device_protection", CATALOG) > model.probability(
        without.without_addon("x"), "streaming_pack", CATALOG
    )
    weights = model.addons["device_protection"].weights
    assert weights.get("devices", 0) > 0


def test_model_file_round_trip_and_reload_without_restart(tmp_path, demo_profiles):
    path = tmp_path / "offers.json"
    first = model_preferring("cloud_backup")
    first.save(path)
    store = ModelStore(path, interval=0)
    assert decide(customer(), answered(), CATALOG, store.get()).offer_to_make.code == "cloud_backup"
    time.sleep(0.01)
    model_preferring("static_ip").save(path)
    os.utime(path, None)
    assert decide(customer(), answered(), CATALOG, store.get()).offer_to_make.code == "static_ip"
    # A broken file does not take the last good model down.
    path.write_text("{ not json")
    assert store.get().addons["static_ip"].intercept == 1.0
    with pytest.raises(ModelFileError, match="cannot read"):
        load_model(path)
    path.write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(ModelFileError, match="not an offer model"):
        load_model(path)


def test_features_leave_out_the_addon_being_predicted():
    x = features(customer(addons=frozenset({"online_security", "cloud_backup"})), CATALOG, without="cloud_backup")
    assert x["addon:online_security"] == 1.0 and "addon:cloud_backup" not in x


# -- catalog errors at load ---------------------------------------------------


def test_reason_with_an_unknown_fact_fails_at_load_naming_the_line(tmp_path):
    shutil.copy(DEFAULT_DIR / "catalog.yml", tmp_path / "catalog.yml")
    path = tmp_path / "catalog.yml"
    path.write_text(path.read_text().replace("{tv_plan}", "{favourite_show}"))
    with pytest.raises(BusinessDataError) as error:
        parse_catalog(path)
    line = next(i + 1 for i, row in enumerate(path.read_text().splitlines()) if "code: streaming_pack" in row)
    assert f"catalog.yml:{line}:" in str(error.value) and "favourite_show" in str(error.value)


@pytest.mark.parametrize(
    "text, about",
    [
        ("what is it?", True),
        ("how much is that?", True),
        ("what does it include?", True),
        ("tell me more", True),
        ("can i cancel it any time?", True),
        ("would it cover my laptop", True),
        # a short question pointing back at the offer, in words no pattern lists
        ("wots that then", True),
        ("would it work on all the devices in the house", True),
        ("wait what do i actually get for that", True),
        # the offer's terms and how it is paid, not the customer's own contract or bill
        ("is there a minimum contract on it", True),
        ("is it tied into a contract", True),
        ("would it go on my next bill", True),
        ("when does my contract end", False),
        ("why is my bill so high", False),
        ("is it still coming today", False),  # the order in focus, not the offer
        ("when is it arriving", False),
        ("what time do you close", False),  # nothing points back: a question of its own
        ("no i do not want it", False),  # a no, not a question
        ("i want to cancel my plan", False),  # a request of its own, not about the offer
        ("can you explain my bill?", False),
        ("how much is my bill", False),
        ("where is my order", False),
    ],
)
def test_a_question_about_the_offer_just_made(text, about):
    from assistant.offers.chat import asks_about_offer

    assert asks_about_offer(text) is about
