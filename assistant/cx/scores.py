"""NPS, CSAT and CES with their 95% margins of error, from counts.

Formulas take counts (not lists of answers) so the database can aggregate in
SQL and hand over a handful of numbers.

- NPS = %promoters (9–10) − %detractors (0–6), from −100 to 100. Its margin
  treats each answer as +1/0/−1: variance = p + d − (p − d)², margin =
  1.96·√(variance / n)·100 points.
- CSAT = share of 4–5 answers on a 1–5 scale, as a percentage; margin from the
  normal approximation of a proportion, 1.96·√(q(1 − q)/n)·100.
- CES = mean effort on a 1–7 scale (lower is easier); margin 1.96·s/√n with
  the sample standard deviation s from the sum of squares.
Groups smaller than `MIN_SAMPLE` are flagged, not hidden: the margin says why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

Z95 = 1.96
MIN_SAMPLE = 30
# The cut-offs, once: everything that sorts an answer imports these.
PROMOTER_MIN = 9  # NPS 9-10
DETRACTOR_MAX = 6  # NPS 0-6; 7-8 are passives
SATISFIED_MIN = 4  # CSAT 4-5 of 5 count as satisfied


def nps_band(score: int) -> str:
    if score >= PROMOTER_MIN:
        return "promoter"
    if score > DETRACTOR_MAX:
        return "passive"
    return "detractor"


def is_detractor(score: Optional[int]) -> bool:
    return score is not None and score <= DETRACTOR_MAX


@dataclass(frozen=True)
class Nps:
    promoters: int
    passives: int
    detractors: int

    @property
    def n(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> Optional[float]:
        if not self.n:
            return None
        return 100.0 * (self.promoters - self.detractors) / self.n

    @property
    def margin(self) -> Optional[float]:
        if not self.n:
            return None
        p, d = self.promoters / self.n, self.detractors / self.n
        variance = p + d - (p - d) ** 2
        return 100.0 * Z95 * math.sqrt(variance / self.n)

    @property
    def small_sample(self) -> bool:
        return self.n < MIN_SAMPLE


@dataclass(frozen=True)
class Csat:
    satisfied: int  # answers of 4 or 5
    n: int

    @property
    def score(self) -> Optional[float]:
        return 100.0 * self.satisfied / self.n if self.n else None

    @property
    def margin(self) -> Optional[float]:
        if not self.n:
            return None
        q = self.satisfied / self.n
        return 100.0 * Z95 * math.sqrt(q * (1 - q) / self.n)

    @property
    def small_sample(self) -> bool:
        return self.n < MIN_SAMPLE


@dataclass(frozen=True)
class Ces:
    total: float  # sum of answers
    total_squares: float  # sum of squared answers
    n: int

    @property
    def score(self) -> Optional[float]:
        return self.total / self.n if self.n else None

    @property
    def margin(self) -> Optional[float]:
        if self.n < 2:
            return None
        mean = self.total / self.n
        variance = max(self.total_squares - self.n * mean * mean, 0.0) / (self.n - 1)
        return Z95 * math.sqrt(variance) / math.sqrt(self.n)

    @property
    def small_sample(self) -> bool:
        return self.n < MIN_SAMPLE
