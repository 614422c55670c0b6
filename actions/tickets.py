"""Questions about a ticket already opened: "any update on my ticket?"."""

from __future__ import annotations

from typing import Text

from actions.base import CustomerAction
from assistant.tickets import ticket_answer


class ActionTicketStatus(CustomerAction):
    """The state of the customer's open ticket (or the one they name), from their records."""

    def name(self) -> Text:
        return "action_ticket_status"

    def answer(self, dispatcher, tracker, domain, session, customer):
        text = (tracker.latest_message or {}).get("text") or ""
        answer = ticket_answer(session, customer.id, text)
        dispatcher.utter_message(response=answer.response, **answer.values)
        return []
