"""Score formulas against cases worked out by hand."""

from __future__ import annotations

import math

import pytest

from assistant.cx.scores import Ces, Csat, Nps, nps_band


@pytest.mark.parametrize(
    "score, band",
    [(0, "detractor"), (6, "detractor"), (7, "passive"), (8, "passive"), (9, "promoter"), (10, "promoter")],
)
def test_nps_bands(score, band):
    assert nps_band(score) == band


def test_nps_and_its_margin_by_hand():
    # 50 promoters, 30 passives, 20 detractors out of 100:
    # NPS = 50% - 20% = 30; variance = 0.5 + 0.2 - 0.3^2 = 0.61
    # margin = 1.96 * sqrt(0.61 / 100) * 100 = 15.308...
    nps = Nps(promoters=50, passives=30, detractors=20)
    assert nps.n == 100 and nps.score == pytest.approx(30.0)
    assert nps.margin == pytest.approx(1.96 * math.sqrt(0.0061) * 100)
    assert nps.margin == pytest.approx(15.308, abs=0.001)
    assert not nps.small_sample


def test_nps_extremes():
    assert Nps(10, 0, 0).score == 100 and Nps(10, 0, 0).margin == 0
    assert Nps(0, 0, 10).score == -100
    assert Nps(0, 0, 0).score is None and Nps(0, 0, 0).margin is None
    assert Nps(3, 1, 1).small_sample


def test_csat_by_hand():
    # 45 of 60 answered 4 or 5: 75%; margin = 1.96 * sqrt(.75 * .25 / 60) * 100 = 10.957
    csat = Csat(satisfied=45, n=60)
    assert csat.score == pytest.approx(75.0)
    assert csat.margin == pytest.approx(10.957, abs=0.001)


def test_ces_by_hand():
    # answers 1, 2, 3, 4, 5: mean 3, sample sd sqrt(2.5), margin 1.96 * sqrt(2.5) / sqrt(5) = 1.386
    answers = [1, 2, 3, 4, 5]
    ces = Ces(total=sum(answers), total_squares=sum(a * a for a in answers), n=len(answers))
    assert ces.score == pytest.approx(3.0)
    assert ces.margin == pytest.approx(1.386, abs=0.001)
    assert Ces(4, 16, 1).margin is None
