"""Why is my bill higher, and payment problems."""

from __future__ import annotations

from typing import Text

from actions.base import CustomerAction
from actions.offers import offer_after_answer
from assistant.billing import bill_explained, explain_latest_bill, payment_reply, payment_situation


class ActionExplainBill(CustomerAction):
    def name(self) -> Text:
        return "action_explain_bill"

    def answer(self, dispatcher, tracker, domain, session, customer):
        comparison = explain_latest_bill(session, customer.id)
        if comparison is None:
            dispatcher.utter_message(response="utter_no_bills")
            return []
        reply = bill_explained(comparison)
        dispatcher.utter_message(response=reply.name, **reply.values)
        return offer_after_answer(tracker, session, customer)


class ActionCheckPaymentProblem(CustomerAction):
    def name(self) -> Text:
        return "action_check_payment_problem"

    def answer(self, dispatcher, tracker, domain, session, customer):
        reply = payment_reply(payment_situation(session, customer.id))
        dispatcher.utter_message(response=reply.name, **reply.values)
        return []
