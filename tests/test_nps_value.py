"""Retention and revenue by NPS group, and one NPS point's worth, by hand."""

from __future__ import annotations

import pytest

from assistant.cx.value import CustomerOutcome, nps_value


def test_value_of_one_point_by_hand():
    # 100 customers: 40 promoters (2 churn), 30 passives (6 churn), 30 detractors (15 churn), all paying 10/month.
    outcomes = (
        [CustomerOutcome("promoter", i < 2, 10.0) for i in range(40)]
        + [CustomerOutcome("passive", i < 6, 10.0) for i in range(30)]
        + [CustomerOutcome("detractor", i < 15, 10.0) for i in range(30)]
    )
    result = nps_value(outcomes)
    assert result.nps == pytest.approx(10.0)
    assert result.groups["passive"].churn_rate == pytest.approx(0.2)
    assert result.groups["detractor"].monthly_revenue_lost == pytest.approx(150.0)
    # passive -> promoter: 1 customer x (0.95 - 0.80) x 120 a year = 18
    assert result.point_value_passive_to_promoter == pytest.approx(18.0)
    # detractor -> passive: 1 customer x (0.80 - 0.50) x 120 = 36
    assert result.point_value_detractor_to_passive == pytest.approx(36.0)


def test_an_empty_group_gives_no_value_rather_than_a_wrong_one():
    result = nps_value([CustomerOutcome("promoter", False, 10.0)])
    assert result.point_value_passive_to_promoter is None and result.nps == 100.0


def test_benchmark_names_a_missing_column(tmp_path):
    import subprocess
    import sys

    broken = tmp_path / "telco.csv"
    broken.write_text("Customer ID,Churn Value,Monthly Charge\nA,1,10\n")
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_nps_value", str(broken)], capture_output=True, text=True
    )
    assert result.returncode != 0 and "missing column 'Satisfaction Score'" in result.stderr
