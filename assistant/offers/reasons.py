"""The one-sentence reason for an offer, in the customer's own terms.

Each add-on in the catalog lists reason templates; the first whose facts this
customer has is used. Counts are only stated from two up ("two devices"), so a
template never reads "one devices". When no template fits, the reason comes
from what the model weighed most for this customer, and failing that, from
how common the add-on is: always true, never invented.
"""

from __future__ import annotations

import string
from typing import Dict, List, Optional

from assistant.business import AddOnSpec, Catalog
from assistant.money import format_money
from assistant.offers.profile import CustomerProfile
from assistant.replies import Reply

NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
DEVICES = ("laptop", "phone", "tablet", "tv")
COMPUTING = ("laptop", "phone", "tablet")
CATEGORY_NOUNS = {
    "router": "a router",
    "mesh": "mesh Wi-Fi",
    "laptop": "a laptop",
    "phone": "a phone",
    "tablet": "a tablet",
    "tv": "a TV",
    "smart_home": "smart home devices",
    "accessory": "accessories",
}


def _count(n: int) -> Optional[str]:
    if n < 2:
        return None
    return NUMBER_WORDS[n] if n < len(NUMBER_WORDS) else str(n)


def _listing(names: List[str]) -> Optional[str]:
    names = list(dict.fromkeys(names))
    if not names:
        return None
    if len(names) > 3:
        names = names[:2] + [f"{len(names) - 2} more"]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def facts(profile: CustomerProfile, spec: AddOnSpec, catalog: Catalog, share: Optional[float]) -> Dict[str, str]:
    """Values for the placeholders of REASON_FACTS; a fact this customer lacks is absent."""
    devices = [p.name for p in profile.owned if p.category in DEVICES]
    computers = [p.name for p in profile.owned if p.category in COMPUTING]
    smart_home = [p for p in profile.owned if p.category == "smart_home"]
    technical = [
        t for t in profile.tickets if t.category == "technical" and (profile.today - t.created_at.date()).days <= 365
    ]
    broadband = profile.plan_of_kind("broadband")
    values = {
        "first_name": profile.first_name,
        "addon": spec.name,
        "price": format_money(spec.monthly_price_cents),
        "plan": broadband.name if broadband else None,
        "speed": f"{broadband.speed_mbps} Mbps" if broadband and broadband.speed_mbps else None,
        "devices": _listing(devices),
        "device_count": _count(len(devices)),
        "computers": _listing(computers),
        "computer_count": _count(len(computers)),
        "smart_home_count": _count(len(smart_home)),
        "tv_plan": getattr(profile.plan_of_kind("tv"), "name", None),
        "mobile_plan": getattr(profile.plan_of_kind("mobile"), "name", None),
        "phone_plan": getattr(profile.plan_of_kind("phone"), "name", None),
        "tenure_years": _count(profile.tenure_days // 365),
        "technical_tickets": _count(len(technical)),
        "owned_addons": _listing([catalog.addons[c].name for c in sorted(profile.addons) if c in catalog.addons]),
        "share": f"{share:.0%}" if share else None,
    }
    return {name: value for name, value in values.items() if value}


def _from_template(template: str, known: Dict[str, str]) -> Optional[str]:
    names = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    if all(name in known for name in names):
        text = template.format(**known)
        return text[0].upper() + text[1:]
    return None


def _from_model(
    contributions: List[tuple], catalog: Catalog, spec: AddOnSpec, profile: CustomerProfile
) -> Optional[str]:
    """The strongest fact the model weighed, said plainly."""
    for feature, _weight in contributions:
        kind, _, value = feature.partition(":")
        if kind == "addon" and value in catalog.addons:
            return Reply(
                "utter_part_reason_has_addon", {"owned": catalog.addons[value].name, "addon": spec.name}
            ).text()
        if kind == "plan" and value in catalog.plans:
            return Reply(
                "utter_part_reason_on_plan", {"plan_name": catalog.plans[value].name, "addon": spec.name}
            ).text()
        if kind == "owns":
            noun = CATEGORY_NOUNS.get(value, value.replace("_", " "))
            return Reply("utter_part_reason_bought", {"bought": noun, "addon": spec.name}).text()
        if kind == "attr":
            name, _, setting = value.partition("=")
            return Reply(
                "utter_part_reason_attribute", {"attribute": name, "setting": setting, "addon": spec.name}
            ).text()
    return None


def reason_for(
    profile: CustomerProfile,
    spec: AddOnSpec,
    catalog: Catalog,
    share: Optional[float] = None,
    contributions: Optional[List[tuple]] = None,
) -> str:
    known = facts(profile, spec, catalog, share)
    for template in spec.reasons:
        text = _from_template(template, known)
        if text:
            return text
    text = _from_model(contributions or [], catalog, spec, profile)
    if text:
        return text
    about = {"addon": spec.name, "description": spec.description.rstrip(".")}
    if share:
        about["share"] = f"{share:.0%}"
        return Reply(
            "utter_part_reason_share_described" if spec.description else "utter_part_reason_share", about
        ).text()
    return Reply(
        "utter_part_reason_available_described" if spec.description else "utter_part_reason_available", about
    ).text()
