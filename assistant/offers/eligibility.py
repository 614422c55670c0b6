"""Who may take an add-on: the catalog's rules (requires, excludes, region, plan)."""

from __future__ import annotations

from typing import Dict, Optional

from assistant.business import AddOnSpec, Catalog
from assistant.offers.profile import CustomerProfile


def why_not_eligible(profile: CustomerProfile, spec: AddOnSpec, catalog: Catalog) -> Optional[str]:
    """None when the customer may take `spec`, otherwise the rule that stops them."""
    if spec.requires_plan_kind and spec.requires_plan_kind not in profile.plan_kinds:
        return f"needs a {spec.requires_plan_kind} plan"
    if spec.plans and not any(plan.code in spec.plans for plan in profile.plans):
        names = ", ".join(catalog.plans[code].name for code in spec.plans if code in catalog.plans)
        return f"only on {names}"
    if spec.requires_owns_category:
        owned = profile.categories()
        if not any(owned.get(category) for category in spec.requires_owns_category):
            return "needs a " + " or ".join(spec.requires_owns_category) + " bought from us"
    if spec.regions and profile.region not in spec.regions:
        return "not sold in " + (profile.region or "their region")
    clash = [code for code in spec.excludes if code in profile.addons]
    if clash:
        other = catalog.addons[clash[0]].name if clash[0] in catalog.addons else clash[0]
        return f"cannot be combined with {other}"
    return None


def eligible_addons(profile: CustomerProfile, catalog: Catalog) -> Dict[str, AddOnSpec]:
    """Add-ons the customer may take and does not have yet."""
    return {
        code: spec
        for code, spec in catalog.addons.items()
        if code not in profile.addons and why_not_eligible(profile, spec, catalog) is None
    }
