"""What customer sentiment is worth: retention and revenue by NPS group.

Method (written out in docs/nps-value.md):
1. Put each customer in a group from their survey answer (promoter,
   passive, detractor).
2. Per group: customers, how many left in the period (churn rate), the
   monthly revenue of those who left (revenue lost) and the annual revenue
   the group brings (revenue at stake).
3. One NPS point is 1% of the customer base becoming promoters instead of
   passives (or passives instead of detractors). Its value is that 1% times
   the difference in retention between the two groups times the annual revenue
   of one such customer. Both moves are reported; they bracket the value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterable, Optional

GROUPS = ("promoter", "passive", "detractor")


@dataclass(frozen=True)
class CustomerOutcome:
    group: str  # promoter | passive | detractor
    churned: bool
    monthly_revenue: float


@dataclass
class GroupValue:
    customers: int = 0
    churned: int = 0
    monthly_revenue: float = 0.0
    monthly_revenue_lost: float = 0.0

    @property
    def churn_rate(self) -> Optional[float]:
        return self.churned / self.customers if self.customers else None

    @property
    def retention(self) -> Optional[float]:
        return None if self.churn_rate is None else 1 - self.churn_rate

    @property
    def annual_revenue_per_customer(self) -> Optional[float]:
        return 12 * self.monthly_revenue / self.customers if self.customers else None


@dataclass
class NpsValue:
    groups: Dict[str, GroupValue]
    nps: float
    point_value_passive_to_promoter: Optional[float]
    point_value_detractor_to_passive: Optional[float]

    @property
    def customers(self) -> int:
        return sum(g.customers for g in self.groups.values())


def nps_value(outcomes: Iterable[CustomerOutcome]) -> NpsValue:
    groups = {name: GroupValue() for name in GROUPS}
    for outcome in outcomes:
        group = groups[outcome.group]
        group.customers += 1
        group.monthly_revenue += outcome.monthly_revenue
        if outcome.churned:
            group.churned += 1
            group.monthly_revenue_lost += outcome.monthly_revenue
    total = sum(g.customers for g in groups.values())
    nps = 100.0 * (groups["promoter"].customers - groups["detractor"].customers) / total if total else 0.0

    def point(better: str, worse: str) -> Optional[float]:
        up, down = groups[better], groups[worse]
        if not up.customers or not down.customers:
            return None
        # 1% of the base moves from `worse` to `better`: NPS +1 point. They keep
        # what they pay now (`worse` customers' revenue) and stay as often as `better`.
        return 0.01 * total * (up.retention - down.retention) * down.annual_revenue_per_customer

    return NpsValue(
        groups=groups,
        nps=nps,
        point_value_passive_to_promoter=point("promoter", "passive"),
        point_value_detractor_to_passive=point("passive", "detractor"),
    )
