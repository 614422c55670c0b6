"""Reading a customer's typed answer to a troubleshooting step.

"Done", "yes I restarted it", "it works now" are a yes; "no still broken",
"I can't find the router", "same as before" a no. Anything else (a new
question) is None and is left to the dialogue.
"""

from __future__ import annotations

import re
from typing import Optional

from assistant.consent import Consent, normalise, read_consent

_STILL_BROKEN = re.compile(
    r"\b(?:still (?:broken|not working|no(?:t)? (?:internet|connection|signal|wifi|wi-fi)|dropping|down|slow|the same|"
    r"off|dead|nothing)|not working|doesn'?t work|does not work|didn'?t work|did not work|didn'?t help|"
    r"no change|no difference|same (?:as before|problem|thing)|nothing changed|still no|no luck|"
    r"can'?t (?:find|reach|get to|do that|do it)|cannot (?:find|reach|do)|unable to|won'?t (?:turn|switch|come) on|"
    r"no lights?|keeps? (?:dropping|cutting|disconnecting))\b"
)
_WORKS = re.compile(
    r"\b(?:done|did it|did that|i have|i'?ve done (?:it|that)|restarted(?: it)?|rebooted(?: it)?|"
    r"turned it off and on(?: again)?|switched it off and on(?: again)?|it'?s back|works? now|working now|"
    r"it works|it'?s working|fixed|sorted|all good|back on(?:line)?|connected now)\b"
)


_DID_IT = re.compile(
    r"\b(?:done|did it|did that|i have|i'?ve done (?:it|that)|restarted|rebooted|unplugged|plugged (?:it )?back|"
    r"turned it off and on|switched it off and on|tried (?:that|it)|moved it)\b"
)


# A question of its own, whatever words follow ("whats your phone number in case this doesnt work"):
# not an answer to the step, so the form answers it and asks again.
_OWN_QUESTION = re.compile(
    r"^(?:(?:ok|okay|so|and|wait|also|btw|oh|quick (?:q|question)|sorry)[ ,]+)*"
    r"(?:what(?:'?s| is| are) (?:your|the|ur)|whats (?:your|the|ur)|where (?:do|can|is|are)|how (?:do|can|much|long)|"
    r"can (?:you|i)|could (?:you|i)|do you|are you|is there|will you|would you|when (?:do|are|is) you)\b"
)


def read_step_answer(text: str, asked: str = "working") -> Optional[bool]:
    """The typed answer to "Have you done that?" (asked="done") or "Is it working now?" (asked="working").

    True, False, or None when the message is not an answer (a new question).
    "I restarted it but it's still slow" has done the step, and it is not working.
    """
    said = normalise(text)
    if not said or "?" in said or _OWN_QUESTION.match(said):
        return None
    negated = re.search(r"(?:\bnot\b|n't\b|\bcannot\b|\bunable\b|\bnever\b)", said)
    if asked == "done" and _DID_IT.search(said):
        return not negated
    if _STILL_BROKEN.search(said):
        return False
    consent = read_consent(said)
    if consent is Consent.NO:
        return False
    if _WORKS.search(said) or consent is Consent.YES:
        return True
    return None
