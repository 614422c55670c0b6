"""`make bench-nps-value`: retention and revenue by NPS group, and one NPS point's worth.

Runs on IBM's fictional telco sample (`../shared/datasets/telco-churn/
telco_extended.csv`), whose Satisfaction Score 1–5 stands in for the survey:
5 = promoter, 4 = passive, 1–3 = detractor. The data is fictional and its
satisfaction score nearly decides churn (every customer scoring 1 or 2 left),
so the figures show the method working, not what any real company should
expect. Use your own survey answers and churn for your own numbers.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from assistant.cx.value import GROUPS, CustomerOutcome, nps_value

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets" / "telco-churn" / "telco_extended.csv"
COLUMNS = ("Satisfaction Score", "Churn Value", "Monthly Charge")
GROUP_OF_SCORE = {"5": "promoter", "4": "passive", "3": "detractor", "2": "detractor", "1": "detractor"}


def load(path: Path):
    if not path.exists():
        sys.exit(f"{path}: file not found")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            sys.exit(f"{path}: missing column {missing[0]!r}")
        for line, row in enumerate(reader, start=2):
            try:
                yield CustomerOutcome(
                    group=GROUP_OF_SCORE[row["Satisfaction Score"].strip()],
                    churned=row["Churn Value"].strip() == "1",
                    monthly_revenue=float(row["Monthly Charge"]),
                )
            except (KeyError, ValueError):
                sys.exit(f"{path}:{line}: unreadable Satisfaction Score, Churn Value or Monthly Charge")


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DATA
    result = nps_value(load(path))
    print(f"{path.name}: {result.customers} customers, one quarter; NPS from satisfaction = {result.nps:.1f}")
    print(
        f"{'group':10} {'customers':>9} {'churn':>7} {'retained':>9} {'revenue at stake /yr':>21} {'lost /month':>12}"
    )
    for name in GROUPS:
        g = result.groups[name]
        print(
            f"{name:10} {g.customers:9d} {g.churn_rate:7.1%} {g.retention:9.1%} "
            f"{12 * g.monthly_revenue:21,.0f} {g.monthly_revenue_lost:12,.0f}"
        )
    print(
        "value of one NPS point (revenue kept per year, in the data's dollars): "
        f"{result.point_value_passive_to_promoter:,.0f} (passives becoming promoters) to "
        f"{result.point_value_detractor_to_passive:,.0f} (detractors becoming passives)"
    )
    print(
        "caution: fictional IBM sample in which satisfaction nearly decides churn; "
        "the method, not the number, is what carries over."
    )


if __name__ == "__main__":
    main()
