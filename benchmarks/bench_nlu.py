"""`make bench-nlu`: how the trained model understands messages written outside this project.

    python -m benchmarks.bench_nlu [--model models/assistant-….tar.gz] [--limit N]

Loads the current trained model (it trains nothing) and asks it for the
intent of every utterance of the Bitext customer-support corpus
(`../shared/datasets/bitext-customer-support/utterances.csv`, evaluation
only), mapped to this assistant's intents by `benchmarks/bitext_mapping.yml`.
Prints accuracy, macro-F1, per-intent precision/recall/F1 and the top
confusions for the in-scope jobs; for the out-of-scope ones, the share that
fell back, went to a person, or was answered confidently as something else;
entity precision and recall for the mapped entity types. Writes the report
(`benchmarks/results/nlu-bitext.md`) and a confusion matrix picture
(`benchmarks/results/nlu-bitext-confusion.png`).

Next to the Bitext figures, two measures of our own that no example was
written against:
- requests we have nothing for (`benchmarks/off_topic.yml`, never trained
  on): the share that falls back, and how many got an FAQ answer or a job;
- a cross-validation of our own training data split by phrasing family
  (`benchmarks/nlu_split.py`): each fold's model is trained without whole
  families of paraphrases and asked for them (`--folds 0` skips it; the
  result is kept in `benchmarks/results/nlu-cv.json` while config.yml and
  data/nlu are unchanged).
The FAQ gate's trade-off (`connectors/nlu_scope.py`): per threshold, the FAQ
answers it would lose on the held-out folds and on Bitext, against the
off-topic requests it would stop answering with an FAQ.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import json
import logging
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from connectors.nlu_scope import SCOPE_KEY
from scripts.model import ROOT, model_path

CORPUS = ROOT.parent / "shared" / "datasets" / "bitext-customer-support" / "utterances.csv"
MAPPING = ROOT / "benchmarks" / "bitext_mapping.yml"
OFF_TOPIC = ROOT / "benchmarks" / "off_topic.yml"
SMALL_TALK = ROOT / "benchmarks" / "small_talk.yml"
BLIND = ROOT / "benchmarks" / "phrasings_blind.yml"
CV_CACHE_NAME = "nlu-cv.json"
GATE_THRESHOLDS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
SIMILARITY_THRESHOLDS = ((0.0, 0.0), (0.35, 0.3), (0.4, 0.35), (0.45, 0.4), (0.5, 0.45), (0.55, 0.5))
RESULTS = ROOT / "benchmarks" / "results"
FELL_BACK = {"nlu_fallback", "out_of_scope"}
NOT_OURS = "(fell back or not ours)"
TO_A_PERSON = {"human_handoff"}


@dataclass
class Row:
    text: str
    corpus_intent: str
    entity_type: str
    entity_value: str


@dataclass
class Mapping:
    in_scope: Dict[str, List[str]]
    out_of_scope: Dict[str, str]
    entities: Dict[str, str]


def load_mapping(path: Path = MAPPING) -> Mapping:
    raw = yaml.safe_load(path.read_text())
    mapping = Mapping(raw.get("in_scope") or {}, raw.get("out_of_scope") or {}, raw.get("entities") or {})
    both = set(mapping.in_scope) & set(mapping.out_of_scope)
    if both:
        raise ValueError(f"{path.name}: {sorted(both)} listed both in and out of scope")
    return mapping


def load_corpus(path: Path = CORPUS) -> List[Row]:
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: the corpus lives in ../shared/datasets (see its SOURCE.md)")
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            Row(r["instruction"], r["intent"], r.get("entity_type") or "", r.get("entity_value") or "")
            for r in csv.DictReader(handle)
        ]


def predicted_label(parse: dict) -> str:
    """The intent, or `faq/<name>` when the FAQ selector answered."""
    intent = (parse.get("intent") or {}).get("name") or "nlu_fallback"
    if intent == "faq":
        selected = (parse.get("response_selector") or {}).get("faq", {}).get("response", {})
        name = selected.get("intent_response_key")
        return name or "faq"
    return intent


def scored_label(predicted: str, targets: List[str]) -> str:
    """A prediction among a job's accepted targets counts as its first target."""
    return targets[0] if predicted in targets else predicted


def raw_reading(parse: dict) -> Tuple[str, Optional[float]]:
    """What the classifier read before the FAQ gate, and the FAQ selector's confidence if it picked."""
    from connectors.nlu_scope import faq_answer_confidence

    confidence = faq_answer_confidence(parse)
    if confidence is None:
        return predicted_label(parse), None
    name = (parse.get("response_selector") or {}).get("faq", {}).get("response", {}).get("intent_response_key")
    return name or "faq", confidence


def fate(label: str) -> str:
    if label in FELL_BACK:
        return "fell back"
    if label in TO_A_PERSON:
        return "to a person"
    return "FAQ answer" if label.startswith("faq") else "a job"


async def parse_all(model: Path, texts: List[str]) -> Tuple[List[dict], float]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    started = time.perf_counter()
    parses = [await agent.parse_message(text) for text in texts]
    return parses, time.perf_counter() - started


def entity_scores(rows: List[Row], parses: List[dict], mapping: Mapping) -> Dict[str, Tuple[int, int, int]]:
    """Per mapped corpus type: (annotated, extracted of our type, extracted and matching)."""
    scores: Dict[str, List[int]] = {kind: [0, 0, 0] for kind in mapping.entities}
    for row, parse in zip(rows, parses):
        for kind, ours in mapping.entities.items():
            found = [e for e in parse.get("entities", []) if e.get("entity") == ours]
            annotated = row.entity_type == kind
            scores[kind][0] += annotated
            scores[kind][1] += len(found)
            if annotated:
                wanted = _digits_or_text(row.entity_value)
                scores[kind][2] += sum(_digits_or_text(str(e.get("value"))) == wanted for e in found)
    return {kind: tuple(values) for kind, values in scores.items()}


def _digits_or_text(value: str) -> str:
    digits = "".join(ch for ch in value if ch.isdigit())
    return digits.lstrip("0") or value.strip().lower()


def report(
    rows: List[Row], parses: List[dict], mapping: Mapping, seconds: float, model: Path, unmapped: List[str]
) -> str:
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    in_rows = [(row, parse) for row, parse in zip(rows, parses) if row.corpus_intent in mapping.in_scope]
    truth = [mapping.in_scope[row.corpus_intent][0] for row, _ in in_rows]
    guess = [scored_label(predicted_label(parse), mapping.in_scope[row.corpus_intent]) for row, parse in in_rows]
    labels = sorted(set(truth))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, guess, labels=labels, zero_division=0
    )  # fmt: skip
    accuracy = accuracy_score(truth, guess)
    macro_f1 = sum(f1) / len(f1) if len(f1) else 0.0
    confusions = Counter((t, g) for t, g in zip(truth, guess) if t != g)

    out_rows = [(row, parse) for row, parse in zip(rows, parses) if row.corpus_intent in mapping.out_of_scope]
    fates = Counter()
    for _row, parse in out_rows:
        label = predicted_label(parse)
        fates["fell back" if label in FELL_BACK else "to a person" if label in TO_A_PERSON else "answered"] += 1
    answered_as = Counter(predicted_label(p) for _r, p in out_rows if predicted_label(p) not in FELL_BACK | TO_A_PERSON)

    lines = [
        "# NLU on the Bitext customer-support corpus",
        "",
        f"Model `{model.name}`; {len(rows)} utterances ({len(in_rows)} of {len(mapping.in_scope)} in-scope jobs, "
        f"{len(out_rows)} of {len(mapping.out_of_scope)} out-of-scope jobs); parsed in {seconds:.1f} s "
        f"({seconds / max(len(rows), 1) * 1000:.1f} ms each) on {os.cpu_count()} cores. "
        "Command: `make bench-nlu`. The corpus is never used for training.",
        "",
        f"**In scope: accuracy {accuracy:.3f}, macro-F1 {macro_f1:.3f}.**",
        "",
        "| intent | precision | recall | F1 | utterances |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {label} | {p:.3f} | {r:.3f} | {f:.3f} | {s} |"
        for label, p, r, f, s in zip(labels, precision, recall, f1, support)
    ]
    lines += ["", "Top confusions (true → predicted, count):", ""]
    lines += [f"- {t} → {g}: {n}" for (t, g), n in confusions.most_common(12)]
    total_out = max(len(out_rows), 1)
    lines += [
        "",
        f"**Out of scope ({len(out_rows)} utterances): fell back {fates['fell back'] / total_out:.1%}, "
        f"handed to a person {fates['to a person'] / total_out:.1%}, answered confidently as an in-scope intent "
        f"{fates['answered'] / total_out:.1%}.**",
        "",
        "Answered as: " + ", ".join(f"{label} {n}" for label, n in answered_as.most_common(8)),
        "",
        "| entity (corpus → ours) | annotated | extracted | matching | precision | recall |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for kind, (annotated, extracted, matching) in entity_scores(rows, parses, mapping).items():
        lines.append(
            f"| {kind} → {mapping.entities[kind]} | {annotated} | {extracted} | {matching} | "
            f"{matching / extracted if extracted else 0:.3f} | {matching / annotated if annotated else 0:.3f} |"
        )
    if unmapped:
        lines += ["", f"Corpus intents in neither list (left out): {', '.join(unmapped)}"]
    picture(truth, guess, labels)
    return "\n".join(lines) + "\n"


def picture(truth: List[str], guess: List[str], labels: List[str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    columns = labels + sorted(set(guess) - set(labels))
    matrix = confusion_matrix(truth, guess, labels=columns)[: len(labels)]
    figure, axes = plt.subplots(figsize=(1 + 0.45 * len(columns), 1 + 0.45 * len(labels)))
    axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(columns)), columns, rotation=70, ha="right", fontsize=7)
    axes.set_yticks(range(len(labels)), labels, fontsize=7)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true (mapped from Bitext)")
    for i in range(len(labels)):
        for j in range(len(columns)):
            if matrix[i, j]:
                axes.text(j, i, matrix[i, j], ha="center", va="center", fontsize=6,
                          color="white" if matrix[i, j] > matrix.max() / 2 else "black")  # fmt: skip
    figure.tight_layout()
    RESULTS.mkdir(parents=True, exist_ok=True)
    figure.savefig(RESULTS / "nlu-bitext-confusion.png", dpi=120)
    plt.close(figure)


def load_off_topic(path: Path = OFF_TOPIC) -> Dict[str, List[str]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {name: [str(text) for text in texts or []] for name, texts in raw.items()}


def off_topic_lines(sets: Dict[str, List[str]], parses: Dict[str, List[dict]]) -> List[str]:
    lines = [
        "",
        "## Requests we have nothing for (benchmarks/off_topic.yml, never trained on)",
        "",
        "| set | requests | fell back | FAQ answer | a job | to a person |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, texts in sets.items():
        fates = Counter(fate(predicted_label(p)) for p in parses[name])
        total = max(len(texts), 1)
        lines.append(
            f"| {name.replace('_', ' ')} | {len(texts)} | {fates['fell back'] / total:.1%} | "
            f"{fates['FAQ answer'] / total:.1%} | {fates['a job'] / total:.1%} | {fates['to a person'] / total:.1%} |"
        )
    return lines


def small_talk_lines(sets: Dict[str, List[str]], parses: Dict[str, List[dict]]) -> List[str]:
    """Everyday greetings, thanks, yes and no (benchmarks/small_talk.yml): read as themselves, or how."""
    lines = [
        "",
        "## Small talk in everyday wordings (benchmarks/small_talk.yml, never trained on)",
        "",
        "| intent | messages | read right | most common other reading |",
        "| --- | --- | --- | --- |",
    ]
    right_all = total_all = 0
    for intent, texts in sets.items():
        labels = [predicted_label(p) for p in parses[intent]]
        right = sum(label == intent for label in labels)
        others = Counter(label for label in labels if label != intent).most_common(1)
        other = f"{others[0][0]} ({others[0][1]})" if others else "–"
        lines.append(f"| {intent} | {len(texts)} | {right / max(len(texts), 1):.1%} | {other} |")
        right_all, total_all = right_all + right, total_all + len(texts)
    lines.append(f"| all | {total_all} | {right_all / max(total_all, 1):.1%} | |")
    return lines


def load_blind(path: Path = BLIND) -> Tuple[List[Tuple[str, str]], List[str]]:
    """The blind set: (message, right label) pairs in scope, and the requests we have nothing for."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    pairs = [(str(text), label) for label, texts in (raw.get("in_scope") or {}).items() for text in texts or []]
    return pairs, [str(text) for text in raw.get("out_of_scope") or []]


def blind_lines(
    pairs: List[Tuple[str, str]],
    outside: List[str],
    in_parses: List[dict],
    out_parses: List[dict],
    misses: bool = False,
) -> List[str]:
    """How messages nobody here wrote examples against are read (benchmarks/phrasings_blind.yml)."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    truth = [label for _text, label in pairs]
    guess = [predicted_label(parse) for parse in in_parses]
    labels = sorted(set(truth))
    _p, recall, f1, support = precision_recall_fscore_support(truth, guess, labels=labels, zero_division=0)
    fates = Counter(fate(predicted_label(parse)) for parse in out_parses)
    total_out = max(len(outside), 1)
    lines = [
        "",
        "## Blind phrasings (benchmarks/phrasings_blind.yml, written without reading our data, never trained on)",
        "",
        f"**In scope ({len(pairs)} messages, {len(labels)} labels): accuracy {accuracy_score(truth, guess):.3f}, "
        f"macro-F1 {sum(f1) / max(len(f1), 1):.3f}. Nothing for ({len(outside)}): fell back "
        f"{fates['fell back'] / total_out:.1%}, FAQ answer {fates['FAQ answer'] / total_out:.1%}, "
        f"a job {fates['a job'] / total_out:.1%}, to a person {fates['to a person'] / total_out:.1%}.**",
        "",
        "| label | messages | recall | F1 | most common other reading |",
        "| --- | --- | --- | --- | --- |",
    ]
    for label, r, f, n in zip(labels, recall, f1, support):
        others = Counter(g for t, g in zip(truth, guess) if t == label and g != label).most_common(1)
        other = f"{others[0][0]} ({others[0][1]})" if others else "–"
        lines.append(f"| {label} | {n} | {r:.2f} | {f:.2f} | {other} |")
    sealed = [i for i in range(len(pairs)) if i % 2 == 0]
    sealed_right = sum(truth[i] == guess[i] for i in sealed)
    sealed_out = [p for i, p in enumerate(out_parses) if i % 2 == 0]
    lines += [
        "",
        f"The sealed half (every other message, whose misreadings are never printed): "
        f"accuracy {sealed_right / max(len(sealed), 1):.3f} of {len(sealed)}; nothing for fell back "
        f"{sum(predicted_label(p) in FELL_BACK for p in sealed_out) / max(len(sealed_out), 1):.1%} "
        f"of {len(sealed_out)}.",
    ]
    if misses:
        lines += ["", "Misread in the open half (screen only):"]
        lines += [f"- {t} → {g}: {text}" for i, ((text, t), g) in enumerate(zip(pairs, guess)) if t != g and i % 2]
        lines += [
            f"- nothing for → {predicted_label(p)}: {text}"
            for i, (text, p) in enumerate(zip(outside, out_parses))
            if predicted_label(p) not in FELL_BACK | TO_A_PERSON and i % 2
        ]
    return lines


def cv_key(folds: int) -> str:
    """Changes when anything the cross-validation depends on changes."""
    digest = hashlib.sha256(f"folds={folds}".encode())
    for file in [
        ROOT / "config.yml",
        ROOT / "benchmarks" / "nlu_split.py",
        ROOT / "business" / "scope_examples.yml",
        *sorted((ROOT / "data" / "nlu").rglob("*")),
    ]:
        if file.is_file():
            digest.update(str(file.relative_to(ROOT)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def held_out_by_family(pipeline: List[dict], base: dict, folds: int) -> Tuple[List[dict], List[float]]:
    """Per held-out example of our data its intent and the readings of a model trained without its family."""
    from benchmarks import nlu_pipelines, nlu_split

    examples, others = nlu_split.load(ROOT / "data" / "nlu")
    fold_of = nlu_split.folds(examples, folds)
    held_out: List[dict] = []
    seconds: List[float] = []
    with tempfile.TemporaryDirectory(prefix="nlu-cv-") as folder:
        for fold in range(folds):
            train_file = Path(folder) / f"fold{fold}-examples.yml"  # {name}.yml is the config
            train_file.write_text(nlu_split.training_file([e for e, f in zip(examples, fold_of) if f != fold], others))
            test = [e for e, f in zip(examples, fold_of) if f == fold]
            seconds.append(nlu_pipelines.train(f"fold{fold}", pipeline, base, Path(folder), nlu=train_file))
            parses, _ = asyncio.run(nlu_pipelines.measure(Path(folder) / f"fold{fold}.tar.gz", [e.text for e in test]))
            for example, parse in zip(test, parses):
                raw, confidence = raw_reading(parse)
                held_out.append(
                    {
                        "intent": example.intent,
                        "predicted": predicted_label(parse),
                        "raw": raw,
                        "faq_confidence": confidence,
                        "before_gate": without_similarity_gate(parse)[0],
                        "scope": parse.get(SCOPE_KEY),
                    }
                )
    return held_out, seconds


def cross_validate(folds: int) -> dict:
    """Our training data, split by phrasing family: per held-out example its intent and the model's readings."""
    from benchmarks import nlu_split

    cache = RESULTS / CV_CACHE_NAME
    key = cv_key(folds)
    if cache.exists():
        kept = json.loads(cache.read_text())
        if kept.get("key") == key:
            return kept
    base = yaml.safe_load((ROOT / "config.yml").read_text())
    examples, _ = nlu_split.load(ROOT / "data" / "nlu")
    held_out, seconds = held_out_by_family(base["pipeline"], base, folds)
    result = {"key": key, "folds": folds, "families": len(set(nlu_split.families(examples))), "examples": len(examples),
              "train_seconds": seconds, "held_out": held_out}  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(result))
    return result


def held_out_scores(rows: List[dict]) -> Dict[str, float]:
    """Accuracy and macro-F1 on held-out families (a fallback on a request not ours is right), and the misses."""
    from sklearn.metrics import accuracy_score, f1_score

    truth = [NOT_OURS if r["intent"] in FELL_BACK else r["intent"] for r in rows]
    guess = [NOT_OURS if r["predicted"] in FELL_BACK else r["predicted"] for r in rows]
    ours = [(t, g) for t, g in zip(truth, guess) if t != NOT_OURS]
    answered = [(t, g) for t, g in ours if g != NOT_OURS]
    f1 = f1_score(truth, guess, labels=sorted(set(truth)), average=None, zero_division=0)
    return {
        "accuracy": accuracy_score(truth, guess),
        "macro_f1": sum(f1) / max(len(f1), 1),
        "fell_back": 1 - len(answered) / max(len(ours), 1),
        "wrong_job": sum(t != g for t, g in answered) / max(len(ours), 1),
    }


def cv_lines(cv: dict) -> List[str]:
    from sklearn.metrics import f1_score

    rows = cv["held_out"]
    summary = held_out_scores(rows)
    truth = [NOT_OURS if r["intent"] in FELL_BACK else r["intent"] for r in rows]
    guess = [NOT_OURS if r["predicted"] in FELL_BACK else r["predicted"] for r in rows]
    labels = sorted(set(truth))
    ours = sum(t != NOT_OURS for t in truth)
    f1 = f1_score(truth, guess, labels=labels, average=None, zero_division=0)
    worst = sorted(zip(labels, f1), key=lambda item: item[1])[:6]
    confusions = Counter((t, g) for t, g in zip(truth, guess) if t != g)
    return [
        "",
        f"## Our own data, split by phrasing family ({cv['folds']}-fold cross-validation)",
        "",
        f"{cv['examples']} examples in {cv['families']} families; every family is held out whole, so each "
        "example is read by a model that saw none of its paraphrases. Trained with config.yml as it is "
        f"({', '.join(f'{s:.0f}' for s in cv['train_seconds'])} s per fold).",
        "",
        f"**Held out by family: accuracy {summary['accuracy']:.3f}, "
        f"macro-F1 {summary['macro_f1']:.3f}.** Of the {ours} held-out requests we have a job for, "
        f"{summary['fell_back']:.1%} fell back (the customer is asked to say it another way) "
        f"and {summary['wrong_job']:.1%} were read as another job.",
        "",
        "Weakest intents (F1): " + ", ".join(f"{label} {score:.2f}" for label, score in worst),
        "",
        "Top confusions: " + ", ".join(f"{t} → {g} {n}" for (t, g), n in confusions.most_common(8)),
    ]


def gate_lines(cv: Optional[dict], rows: List[Row], parses: List[dict], mapping: Mapping,
               off_parses: Dict[str, List[dict]]) -> List[str]:  # fmt: skip
    """What each FAQ-gate threshold loses (right FAQ answers) and saves (off-topic FAQ answers)."""
    right: Dict[str, List[float]] = {"held-out folds": [], "Bitext": []}
    if cv:
        right["held-out folds"] = [
            r["faq_confidence"] for r in cv["held_out"] if r["intent"].startswith("faq") and r["raw"] == r["intent"]
        ]
    for row, parse in zip(rows, parses):
        targets = mapping.in_scope.get(row.corpus_intent) or []
        raw, confidence = raw_reading(parse)
        if confidence is not None and raw in targets and raw.startswith("faq"):
            right["Bitext"].append(confidence)
    wrong = [c for p in [*sum(off_parses.values(), []), *(p for r, p in zip(rows, parses)
             if r.corpus_intent in mapping.out_of_scope)] for c in [raw_reading(p)[1]] if c is not None]  # fmt: skip
    off_total = sum(len(v) for v in off_parses.values()) + sum(r.corpus_intent in mapping.out_of_scope for r in rows)
    lines = [
        "",
        "## The FAQ gate: answers kept against off-topic FAQ answers (connectors/nlu_scope.py)",
        "",
        f"Right FAQ answers before the gate: {len(right['held-out folds'])} held out, {len(right['Bitext'])} on "
        f"Bitext; off-topic requests the classifier read as an FAQ: {len(wrong)} of {off_total}.",
        "",
        "| threshold | FAQ answers kept (held out) | kept (Bitext) | off-topic still answered with an FAQ |",
        "| --- | --- | --- | --- |",
    ]
    for threshold in GATE_THRESHOLDS:
        kept = {name: sum(c >= threshold for c in values) / max(len(values), 1) for name, values in right.items()}
        still = sum(c >= threshold for c in wrong)
        lines.append(
            f"| {threshold:.1f} | {kept['held-out folds']:.1%} | {kept['Bitext']:.1%} | "
            f"{still} ({still / max(off_total, 1):.1%}) |"
        )
    return lines


def without_similarity_gate(parse: dict) -> Tuple[str, Optional[dict]]:
    """The label before `LikeOurExamples`, and what that gate saw (None when it did not look)."""
    seen = parse.get(SCOPE_KEY)
    if seen and "rescued_as" in seen:
        return seen["rescued_as"], None  # small talk read by its nearest example: no threshold of the gate's
    if not seen or "nearest" not in seen:  # not checked, or a fallback that only names its nearest job
        return predicted_label(parse), None
    if seen["read_as"] == "faq":
        return raw_reading(parse)[0], seen
    return seen["read_as"], seen


def configured_gate(key: str):
    """A setting of the similarity gate as config.yml has it (else the component's default)."""
    from connectors.nlu_scope import LikeOurExamples

    steps = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    step = next((s for s in steps if s["name"].endswith("LikeOurExamples")), {})
    return step.get(key, LikeOurExamples.get_default_config()[key])


def gated_label(before: str, seen: Optional[dict], faq_threshold: float, job_threshold: float) -> str:
    """The label had the similarity gate used these thresholds (0, 0: no gate)."""
    from connectors.nlu_scope import similarity_verdict

    if seen is None or "nearest" not in seen or (faq_threshold <= 0 and job_threshold <= 0):
        return before
    check_below, margin = configured_gate("check_below"), configured_gate("out_of_scope_margin")
    unlike = similarity_verdict(
        seen["read_as"], seen["confidence"], seen["nearest"], faq_threshold, job_threshold, check_below, margin=margin
    )
    return "out_of_scope" if unlike else before


def with_similarity_gate(parse: dict, faq_threshold: float, job_threshold: float) -> str:
    return gated_label(*without_similarity_gate(parse), faq_threshold, job_threshold)


def similarity_gate_lines(cv: Optional[dict], rows: List[Row], parses: List[dict], mapping: Mapping,
                          off_parses: Dict[str, List[dict]]) -> List[str]:  # fmt: skip
    """What each pair of similarity-gate thresholds loses (right answers) and saves (off-topic answers)."""
    lines = [
        "",
        "## The similarity gate: right answers against off-topic answers (connectors/nlu_scope.py, LikeOurExamples)",
        "",
        "A message read as an FAQ, or as a job with confidence under the gate's `check_below`, is out of scope "
        "when its nearest example of that reading is under the threshold (FAQ / job). Right answers are counted "
        "on Bitext's in-scope jobs and on our held-out families; off-topic is every set of benchmarks/off_topic.yml "
        "(fell back).",
        "",
        "| FAQ / job threshold | Bitext right | held out right | "
        + " | ".join(f"{name.replace('_', ' ')} fell back" for name in off_parses)
        + " |",  # fmt: skip
        "| --- | --- | --- | " + " | ".join("---" for _ in off_parses) + " |",
    ]
    in_scope = [(row, parse) for row, parse in zip(rows, parses) if row.corpus_intent in mapping.in_scope]
    for faq_threshold, job_threshold in SIMILARITY_THRESHOLDS:
        right = sum(
            with_similarity_gate(p, faq_threshold, job_threshold) in mapping.in_scope[r.corpus_intent]
            for r, p in in_scope
        )
        held = "–"
        if cv and all("before_gate" in r for r in cv["held_out"]):
            ours = [r for r in cv["held_out"] if r["intent"] not in FELL_BACK]
            held_right = sum(
                gated_label(r["before_gate"], r["scope"], faq_threshold, job_threshold) == r["intent"] for r in ours
            )
            held = f"{held_right / max(len(ours), 1):.1%}"
        fell = [
            sum(with_similarity_gate(p, faq_threshold, job_threshold) in FELL_BACK for p in ps) / max(len(ps), 1)
            for ps in off_parses.values()
        ]
        name = "no gate" if not (faq_threshold or job_threshold) else f"{faq_threshold:.2f} / {job_threshold:.2f}"
        lines.append(f"| {name} | {right / max(len(in_scope), 1):.1%} | {held} | " + " | ".join(
            f"{f:.1%}" for f in fell) + " |")  # fmt: skip
    return lines


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_nlu", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="a trained model (default: the current one)")
    parser.add_argument("--limit", type=int, default=0, help="only N utterances, spread over the jobs (a quick look)")
    parser.add_argument("--folds", type=int, default=3, help="cross-validation folds of our own data (0: skip)")
    parser.add_argument(
        "--misses",
        type=int,
        default=0,
        help="print N misread utterances per top confusion (screen only, not the report)",
    )
    parser.add_argument(
        "--blind-only",
        action="store_true",
        help="only the blind phrasings, with their misreadings (screen only, no report)",
    )
    args = parser.parse_args(argv)
    model = args.model or model_path()
    if not model.exists():
        print(f"error: no trained model at {model}: `make model` trains it", file=sys.stderr)
        return 2
    if args.blind_only:
        configure_quiet_logs()
        pairs, outside = load_blind()
        both = asyncio.run(parse_all(model, [text for text, _ in pairs] + outside))[0]
        print("\n".join(blind_lines(pairs, outside, both[: len(pairs)], both[len(pairs) :], misses=True)))
        return 0
    try:
        mapping = load_mapping()
        corpus = load_corpus()
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    mapped = set(mapping.in_scope) | set(mapping.out_of_scope)
    rows = [row for row in corpus if row.corpus_intent in mapped]
    unmapped = sorted({row.corpus_intent for row in corpus} - mapped)
    if args.limit:
        rows = rows[:: max(1, len(rows) // args.limit)][: args.limit]  # spread over every job
    configure_quiet_logs()
    parses, seconds = asyncio.run(parse_all(model, [row.text for row in rows]))
    off_topic = load_off_topic()
    off_parses = {name: asyncio.run(parse_all(model, texts))[0] for name, texts in off_topic.items()}
    small_talk = load_off_topic(SMALL_TALK)
    small_parses = {name: asyncio.run(parse_all(model, texts))[0] for name, texts in small_talk.items()}
    pairs, outside = load_blind()
    blind = asyncio.run(parse_all(model, [text for text, _ in pairs] + outside))[0]
    cv = cross_validate(args.folds) if args.folds >= 2 else None
    text = report(rows, parses, mapping, seconds, model, unmapped)
    text += "\n".join(off_topic_lines(off_topic, off_parses) + small_talk_lines(small_talk, small_parses)) + "\n"
    text += "\n".join(blind_lines(pairs, outside, blind[: len(pairs)], blind[len(pairs) :])) + "\n"
    text += "\n".join(cv_lines(cv) if cv else []) + "\n"
    text += "\n".join(gate_lines(cv, rows, parses, mapping, off_parses)) + "\n"
    text += "\n".join(similarity_gate_lines(cv, rows, parses, mapping, off_parses)) + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "nlu-bitext.md").write_text(text)
    print(text)
    print(f"written: {RESULTS / 'nlu-bitext.md'}, {RESULTS / 'nlu-bitext-confusion.png'}")
    if args.misses:
        show_misses(rows, parses, mapping, args.misses)
    return 0


def configure_quiet_logs() -> None:
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    logging.getLogger("rasa").setLevel(logging.WARNING)


def show_misses(rows: List[Row], parses: List[dict], mapping: Mapping, per_pair: int) -> None:
    """A few misread utterances for each frequent confusion, to see what the model lacks.

    For reading only: the corpus stays evaluation data, never training data.
    """
    pairs: Dict[Tuple[str, str], List[str]] = {}
    for row, parse in zip(rows, parses):
        targets = mapping.in_scope.get(row.corpus_intent)
        predicted = predicted_label(parse)
        if targets and predicted not in targets:
            pairs.setdefault((targets[0], predicted), []).append(row.text)
        elif row.corpus_intent in mapping.out_of_scope and predicted not in FELL_BACK | TO_A_PERSON:
            pairs.setdefault((f"out of scope ({row.corpus_intent})", predicted), []).append(row.text)
    for (truth, guess), texts in sorted(pairs.items(), key=lambda item: -len(item[1]))[:12]:
        print(f"\n{truth} -> {guess} ({len(texts)}):")
        for text in texts[:: max(1, len(texts) // per_pair)][:per_pair]:
            print(f"  {text}")


if __name__ == "__main__":
    sys.exit(main())
