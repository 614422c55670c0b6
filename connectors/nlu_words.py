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

from typing import Any, Dict, List, Optional, Text, Tuple

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


class CueReading(GraphComponent):
    """Reads a message as `intent` when a plain cue in its words says so and the classifier read one of
    `overrides` (None: anything but `intent` itself). Each subclass names its intent, readings and cue."""

    intent: Text = ""
    overrides: Optional[Tuple[Text, ...]] = None

    @staticmethod
    def cue(text: Text) -> bool:
        raise NotImplementedError

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CueReading":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            reading = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if reading == self.intent or (self.overrides is not None and reading not in self.overrides):
                continue
            if message.get(TEXT) and self.cue(message.get(TEXT)):
                read_as(message, self.intent)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class StopMeansNo(CueReading):
    """Reads "never mind", "scrap that", "forget I asked" as `deny`, whatever the classifier read."""

    intent, overrides, cue = NO, None, staticmethod(asks_to_stop)


def read_as(message: Message, intent: Text) -> None:
    """Put `intent` first, sure; the ranking keeps what the classifier read, for repair and the benchmarks."""
    reading = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}
    message.set(INTENT, reading, add_to_output=True)
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != intent]
    message.set(INTENT_RANKING_KEY, [reading, *ranking], add_to_output=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class TicketQuestion(CueReading):
    """ "Has anyone looked into my broadband fault?": a ticket already opened, not a new fault.

    Tickets have no intent the classifier learns (their questions share every
    word with the fault or complaint they are about, which it would then
    confuse); the one reading of a ticket question (assistant/tickets.py)
    names it, and this reads such a message as `ticket_status` where the
    classifier read a job, an FAQ or nothing. Before, only actions could
    redirect it, so a ticket question read as a fault started troubleshooting.
    """

    intent, overrides, cue = TICKET, MISREAD_TICKETS, staticmethod(asks_about_a_ticket)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class PlanQuestion(CueReading):
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

    intent, overrides, cue = PLAN, MISREAD_PLAN_QUESTIONS, staticmethod(asks_about_own_plan)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class OrderQuestion(CueReading):
    """ "When is my mesh wifi turning up?": an order on its way, not a Wi-Fi fault.

    The routers and mesh kits we sell are also what breaks, so DIET reads an
    arrival question about one as a technical problem (0.66) and started
    troubleshooting. A message naming an item of an order with an arrival
    word and no fault word (assistant/followups.py::asks_where_an_item_is)
    is read as `track_order` where the classifier read a fault, an FAQ or
    nothing.
    """

    intent, overrides, cue = ORDER, MISREAD_ORDER_QUESTIONS, staticmethod(asks_where_an_item_is)
