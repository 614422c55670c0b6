"""Words whose meaning does not depend on the classifier: "never mind" is a no; a ticket is a ticket.

"actually scrap that, forget i asked", "tbh forget the whole thing", "oh
stop, I'll do it once I've got the keys": the customer takes back what
they were asking. DIET reads some of them by a single word ("scrap" as
cancelling a plan), which started the cancellation form for a customer who
had just said to drop it. `StopMeansNo` reads a message that is all
stop-words (assistant/consent.py::asks_to_stop, the one definition the
forms use too) as `deny`; the rules then do what a no does where the
conversation is: a pending change is left, an offer declined, a form left,
and otherwise "anything else?".
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from assistant.consent import asks_to_stop
from assistant.followups import asks_where_an_item_is
from assistant.plans import asks_about_own_plan
from assistant.tickets import asks_about_a_ticket

NO = "deny"
TICKET = "ticket_status"
PLAN = "plan_info"
ORDER = "track_order"
# Readings a question about where an ordered item is overrides: a fault with the same device, an FAQ, nothing.
MISREAD_ORDER_QUESTIONS = ("technical_problem", "faq", "nlu_fallback", "out_of_scope", "account_help")
# Readings a question about the customer's own plan overrides: leaving, changing, a payment, nothing.
MISREAD_PLAN_QUESTIONS = (
    "cancel_subscription",
    "change_plan",
    "cancellation_fee",
    "payment_problem",
    "account_help",
    "nlu_fallback",
    "out_of_scope",
)
# Readings a ticket question overrides: the jobs the classifier mistakes it for, and no reading at all.
# Small talk, yes and no are left alone ("no, my ticket's fine").
MISREAD_TICKETS = (
    "technical_problem",
    "complaint",
    "track_order",
    "delivery_problem",
    "human_handoff",
    "refund_status",
    "request_refund",
    "account_help",
    "faq",
    "nlu_fallback",
    "out_of_scope",
)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class StopMeansNo(GraphComponent):
    """Reads "never mind", "scrap that", "forget I asked" as `deny`, whatever the classifier read."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "StopMeansNo":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            reading = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if reading == NO or not message.get(TEXT) or not asks_to_stop(message.get(TEXT)):
                continue
            read_as(message, NO)
        return messages


def read_as(message: Message, intent: Text) -> None:
    """Put `intent` first, sure; the ranking keeps what the classifier read, for repair and the benchmarks."""
    reading = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}
    message.set(INTENT, reading, add_to_output=True)
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != intent]
    message.set(INTENT_RANKING_KEY, [reading, *ranking], add_to_output=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class TicketQuestion(GraphComponent):
    """ "Has anyone looked into my broadband fault?": a ticket already opened, not a new fault.

    Tickets have no intent the classifier learns (their questions share every
    word with the fault or complaint they are about, which it would then
    confuse); the one reading of a ticket question (assistant/tickets.py)
    names it, and this reads such a message as `ticket_status` where the
    classifier read a job, an FAQ or nothing. Before, only actions could
    redirect it, so a ticket question read as a fault started troubleshooting.
    """

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "TicketQuestion":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            reading = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if reading in MISREAD_TICKETS and asks_about_a_ticket(message.get(TEXT) or ""):
                read_as(message, TICKET)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class PlanQuestion(GraphComponent):
    """ "When does my contract end?", "how much of that is the mobile?": what they have, not a change.

    DIET learns "contract" from the many ways of leaving one, and read "when
    does my contract end" (one of our own plan_info examples) as cancelling
    at 0.65, which started the cancellation form for a customer asking a
    date. The one reading of such a question (assistant/plans.py::
    asks_about_own_plan: a question about their term or a part's price or
    contents, with no word of leaving, changing, a fee, an order or a fault)
    reads it as `plan_info` where the classifier read leaving, changing, a
    payment or nothing.
    """

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "PlanQuestion":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            reading = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if reading in MISREAD_PLAN_QUESTIONS and asks_about_own_plan(message.get(TEXT) or ""):
                read_as(message, PLAN)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class OrderQuestion(GraphComponent):
    """ "When is my mesh wifi turning up?": an order on its way, not a Wi-Fi fault.

    The routers and mesh kits we sell are also what breaks, so DIET reads an
    arrival question about one as a technical problem (0.66) and started
    troubleshooting. A message naming an item of an order with an arrival
    word and no fault word (assistant/followups.py::asks_where_an_item_is)
    is read as `track_order` where the classifier read a fault, an FAQ or
    nothing.
    """

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "OrderQuestion":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            reading = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if reading in MISREAD_ORDER_QUESTIONS and asks_where_an_item_is(message.get(TEXT) or ""):
                read_as(message, ORDER)
        return messages
