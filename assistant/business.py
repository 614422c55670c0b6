"""The business files a company edits: catalog, policies and FAQ answers.

Loaded and validated once per process. Any mistake (unknown field, missing
field, wrong type, duplicate code, a rule naming something that does not
exist) raises `BusinessDataError` naming the file and line, at start-up,
never in the middle of a chat.
"""

from __future__ import annotations

import os
import string
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "business"
LINE = "__line__"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
PLAN_KINDS = ("broadband", "mobile", "tv", "phone")
PRODUCT_CATEGORIES = ("router", "mesh", "laptop", "phone", "tablet", "tv", "smart_home", "accessory")
# Facts about a customer an add-on's reason may name (filled by assistant/offers/reasons.py).
REASON_FACTS = (
    "first_name",
    "addon",
    "price",
    "plan",
    "speed",
    "devices",
    "device_count",
    "computers",
    "computer_count",
    "smart_home_count",
    "tv_plan",
    "mobile_plan",
    "phone_plan",
    "tenure_years",
    "technical_tickets",
    "owned_addons",
    "share",
)


class BusinessDataError(ValueError):
    """A business file is missing, malformed or inconsistent."""


class _LineLoader(yaml.SafeLoader):
    """Remembers the line (1-based) where each mapping starts."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE] = node.start_mark.line + 1
        return mapping


def business_dir() -> Path:
    return Path(os.environ.get("BUSINESS_DIR") or DEFAULT_DIR)


def key_line(lines: List[str], key: str, after: int = 0, nested: bool = False) -> Any:
    """The 1-based line where `key:` is written (from line `after` on), or "?"."""
    for number, row in enumerate(lines[after:], start=after + 1):
        if (row.strip() if nested else row).startswith(f"{key}:"):
            return number
    return "?"


def _read(path: Path) -> Any:
    if not path.exists():
        raise BusinessDataError(f"{path}: file not found")
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise BusinessDataError(f"{where}: not valid YAML ({getattr(error, 'problem', error)})") from error


class _Checker:
    """Field checks that report `file:line` for the entry at fault."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, entry: Any, message: str) -> None:
        line = entry.get(LINE, "?") if isinstance(entry, dict) else "?"
        raise BusinessDataError(f"{self.path}:{line}: {message}")

    def fields(self, entry: Any, required: Dict[str, type], optional: Dict[str, type], what: str) -> None:
        if not isinstance(entry, dict):
            raise BusinessDataError(f"{self.path}: each {what} must be a mapping of fields")
        for name in entry:
            if name != LINE and name not in required and name not in optional:
                allowed = ", ".join(sorted({**required, **optional}))
                self.fail(entry, f"{what} has unknown field '{name}' (allowed: {allowed})")
        for name, kind in required.items():
            if name not in entry:
                self.fail(entry, f"{what} is missing the field '{name}'")
        for name, kind in {**required, **optional}.items():
            if name in entry and entry[name] is not None and not isinstance(entry[name], kind):
                expected = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
                self.fail(entry, f"{what} field '{name}' should be {expected}, not {entry[name]!r}")


def _pence(value: Any) -> int:
    return int(round(float(value) * 100))


NUMBER = (int, float)


@dataclass(frozen=True)
class PlanSpec:
    code: str
    name: str
    kind: str
    monthly_price_cents: int
    speed_mbps: Optional[int]
    description: str


@dataclass(frozen=True)
class ProductSpec:
    sku: str
    name: str
    category: str
    price_cents: int


@dataclass(frozen=True)
class AddOnSpec:
    code: str
    name: str
    monthly_price_cents: int
    description: str
    requires_plan_kind: Optional[str] = None
    requires_owns_category: Tuple[str, ...] = ()
    excludes: Tuple[str, ...] = ()
    regions: Tuple[str, ...] = ()
    plans: Tuple[str, ...] = ()
    reasons: Tuple[str, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Catalog:
    plans: Dict[str, PlanSpec]
    products: Dict[str, ProductSpec]
    addons: Dict[str, AddOnSpec]


def parse_catalog(path: Path) -> Catalog:
    raw = _read(path)
    check = _Checker(path)
    if not isinstance(raw, dict):
        raise BusinessDataError(f"{path}: expected the sections plans, products and addons")
    check.fields(raw, {"plans": list, "products": list, "addons": list}, {}, "catalog")

    plans: Dict[str, PlanSpec] = {}
    for entry in raw["plans"]:
        check.fields(
            entry,
            {"code": str, "name": str, "kind": str, "monthly_price": NUMBER},
            {"speed_mbps": int, "description": str},
            "plan",
        )
        if entry["kind"] not in PLAN_KINDS:
            check.fail(entry, f"plan kind '{entry['kind']}' is not one of {', '.join(PLAN_KINDS)}")
        if entry["code"] in plans:
            check.fail(entry, f"duplicate plan code '{entry['code']}'")
        plans[entry["code"]] = PlanSpec(
            entry["code"],
            entry["name"],
            entry["kind"],
            _pence(entry["monthly_price"]),
            entry.get("speed_mbps"),
            entry.get("description", ""),
        )

    products: Dict[str, ProductSpec] = {}
    for entry in raw["products"]:
        check.fields(entry, {"sku": str, "name": str, "category": str, "price": NUMBER}, {}, "product")
        if entry["category"] not in PRODUCT_CATEGORIES:
            check.fail(entry, f"product category '{entry['category']}' is not one of {', '.join(PRODUCT_CATEGORIES)}")
        if entry["sku"] in products:
            check.fail(entry, f"duplicate product sku '{entry['sku']}'")
        products[entry["sku"]] = ProductSpec(entry["sku"], entry["name"], entry["category"], _pence(entry["price"]))

    addons: Dict[str, AddOnSpec] = {}
    entries = raw["addons"]
    codes = {entry.get("code") for entry in entries if isinstance(entry, dict)}
    for entry in entries:
        check.fields(
            entry,
            {"code": str, "name": str, "monthly_price": NUMBER},
            {"description": str, "requires": dict, "excludes": list, "regions": list, "plans": list, "reasons": list},
            "add-on",
        )
        for template in entry.get("reasons", []):
            if not isinstance(template, str):
                check.fail(entry, f"add-on '{entry['code']}': each reason should be text, not {template!r}")
            try:
                names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
            except ValueError as error:
                check.fail(entry, f"add-on '{entry['code']}': reason {template!r} is not a valid template ({error})")
            unknown = [name for name in names if name not in REASON_FACTS]
            if unknown:
                check.fail(
                    entry,
                    f"add-on '{entry['code']}': reason names unknown fact '{{{unknown[0]}}}' "
                    f"(known: {', '.join(REASON_FACTS)})",
                )
        if entry["code"] in addons:
            check.fail(entry, f"duplicate add-on code '{entry['code']}'")
        requires = entry.get("requires") or {}
        check.fields(requires, {}, {"plan_kind": str, "owns_category": list}, "add-on rule 'requires'")
        plan_kind = requires.get("plan_kind")
        if plan_kind is not None and plan_kind not in PLAN_KINDS:
            check.fail(entry, f"add-on '{entry['code']}' requires unknown plan kind '{plan_kind}'")
        for category in requires.get("owns_category", []):
            if category not in PRODUCT_CATEGORIES:
                check.fail(entry, f"add-on '{entry['code']}' requires unknown product category '{category}'")
        for other in entry.get("excludes", []):
            if other not in codes:
                check.fail(entry, f"add-on '{entry['code']}' excludes unknown add-on '{other}'")
        for plan in entry.get("plans", []):
            if plan not in plans:
                check.fail(entry, f"add-on '{entry['code']}' names unknown plan '{plan}'")
        addons[entry["code"]] = AddOnSpec(
            code=entry["code"],
            name=entry["name"],
            monthly_price_cents=_pence(entry["monthly_price"]),
            description=entry.get("description", ""),
            requires_plan_kind=plan_kind,
            requires_owns_category=tuple(requires.get("owns_category", [])),
            excludes=tuple(entry.get("excludes", [])),
            regions=tuple(entry.get("regions", [])),
            plans=tuple(entry.get("plans", [])),
            reasons=tuple(entry.get("reasons", [])),
            line=entry[LINE],
        )
    return Catalog(plans, products, addons)


@dataclass(frozen=True)
class ShippingOption:
    code: str
    name: str
    price_cents: int
    business_days: str


@dataclass(frozen=True)
class Policies:
    company: str
    currency_symbol: str
    timezone: str
    support_hours: Dict[str, Optional[Tuple[time, time]]]
    return_window_days: int
    refund_processing_business_days: int
    late_delivery_grace_days: int
    cancellation_notice_days: int
    minimum_term_months: int
    shipping_options: Tuple[ShippingOption, ...]
    payment_methods: Tuple[str, ...]
    password_reset_url: str
    account_url: str
    payment_url: str
    coverage_url: str
    contact_phone: str
    contact_email: str
    bill_day: int
    price_rise: str
    delivery_claim_within: str
    complaint_contact_within: str
    account_closure_within: str
    retention_contact_within: str
    technical_response_hours: int
    extra: Dict[str, Any] = field(default_factory=dict)
    # How long a conversation's transcript is kept after its last message, and how long after
    # an account is closed its transcripts and personal fields are erased (assistant/retention.py).
    conversation_retention_days: int = 730
    erasure_notice_days: int = 30

    def opening_hours_status(self, now: datetime) -> Tuple[bool, datetime]:
        """(is the human team open at `now`, when it next opens or opened)."""
        for offset in range(8):
            day = now.date() + timedelta(days=offset)
            hours = self.support_hours.get(WEEKDAYS[day.weekday()])
            if not hours:
                continue
            opens, closes = (datetime.combine(day, t) for t in hours)
            if offset == 0 and opens <= now < closes:
                return True, opens
            if now < opens:
                return False, opens
        raise BusinessDataError("support_hours: the team is never open")

    def support_hours_text(self) -> str:
        runs: List[Tuple[str, str, Tuple[time, time]]] = []  # first day, last day, hours
        for day in WEEKDAYS:
            hours = self.support_hours.get(day)
            if runs and hours and runs[-1][2] == hours and WEEKDAYS.index(runs[-1][1]) == WEEKDAYS.index(day) - 1:
                runs[-1] = (runs[-1][0], day, hours)
            elif hours:
                runs.append((day, day, hours))
        parts = []
        for first, last, (opens, closes) in runs:
            days = first.capitalize() if first == last else f"{first.capitalize()} to {last.capitalize()}"
            parts.append(f"{days} {opens:%H:%M}–{closes:%H:%M}")
        return ", ".join(parts)

    def shipping_options_text(self) -> str:
        def one(option: ShippingOption) -> str:
            price = "free" if option.price_cents == 0 else f"{self.currency_symbol}{option.price_cents / 100:.2f}"
            return f"{option.name} ({price}, {option.business_days} working days)"

        return "; ".join(one(option) for option in self.shipping_options)


def _clock(value: Any, check: _Checker, entry: dict, day: str) -> time:
    try:
        return datetime.strptime(str(value), "%H:%M").time()
    except ValueError:
        check.fail(entry, f"support_hours.{day}: '{value}' is not a HH:MM time")
        raise  # unreachable; fail raises


def parse_policies(path: Path) -> Policies:
    raw = _read(path)
    check = _Checker(path)
    required = {
        "company": str,
        "currency_symbol": str,
        "timezone": str,
        "support_hours": dict,
        "return_window_days": int,
        "refund_processing_business_days": int,
        "late_delivery_grace_days": int,
        "cancellation_notice_days": int,
        "minimum_term_months": int,
        "shipping_options": list,
        "payment_methods": list,
        "password_reset_url": str,
        "account_url": str,
        "payment_url": str,
        "coverage_url": str,
        "contact_phone": str,
        "contact_email": str,
        "bill_day": int,
        "price_rise": str,
        "delivery_claim_within": str,
        "complaint_contact_within": str,
        "account_closure_within": str,
        "retention_contact_within": str,
        "technical_response_hours": int,
    }
    retention = {"conversation_retention_days": int, "erasure_notice_days": int}
    check.fields(raw, required, retention, "policies")
    hours: Dict[str, Optional[Tuple[time, time]]] = {}
    for day, value in raw["support_hours"].items():
        if day == LINE:
            continue
        if day not in WEEKDAYS:
            check.fail(raw["support_hours"], f"support_hours has unknown day '{day}'")
        if value is None:
            hours[day] = None
            continue
        if not isinstance(value, list) or len(value) != 2:
            check.fail(raw["support_hours"], f"support_hours.{day} should be [opens, closes] or null")
        hours[day] = (
            _clock(value[0], check, raw["support_hours"], day),
            _clock(value[1], check, raw["support_hours"], day),
        )
    shipping = []
    for entry in raw["shipping_options"]:
        check.fields(
            entry, {"code": str, "name": str, "price": NUMBER, "business_days": (str, int)}, {}, "shipping option"
        )
        shipping.append(
            ShippingOption(entry["code"], entry["name"], _pence(entry["price"]), str(entry["business_days"]))
        )
    values = {name: raw[name] for name in required if name not in ("support_hours", "shipping_options")}
    values.update({name: raw[name] for name in retention if name in raw})
    values["payment_methods"] = tuple(values["payment_methods"])
    return Policies(support_hours=hours, shipping_options=tuple(shipping), **values)


@dataclass(frozen=True)
class Faq:
    answers: Dict[str, str]

    def answer(self, key: str) -> Optional[str]:
        return self.answers.get(key)


def parse_faq(path: Path, policies: Policies) -> Faq:
    raw = _read(path)
    if not isinstance(raw, dict):
        raise BusinessDataError(f"{path}: expected question keys with answer texts")
    values = {
        **{name: getattr(policies, name) for name in policies.__dataclass_fields__},
        "support_hours_text": policies.support_hours_text(),
        "shipping_options_text": policies.shipping_options_text(),
        "payment_methods_text": ", ".join(policies.payment_methods[:-1]) + " or " + policies.payment_methods[-1],
    }
    answers = {}
    text = path.read_text(encoding="utf-8").splitlines()
    for key, template in raw.items():
        if key == LINE:
            continue
        line = key_line(text, key)
        if not isinstance(template, str):
            raise BusinessDataError(f"{path}:{line}: the answer to '{key}' should be text")
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name]
        unknown = [name for name in names if name not in values]
        if unknown:
            raise BusinessDataError(f"{path}:{line}: unknown placeholder '{{{unknown[0]}}}' in '{key}'")
        answers[key] = " ".join(template.format(**values).split())
    return Faq(answers)


QUESTION_FACTS = (
    "order_items",
    "order_number",
    "order_date",
    "ticket_number",
    "ticket_subject",
    "ticket_date",
    "from_plan",
    "to_plan",
    "change_month",
    "plan",
    "tenure_years",
    "tenure_weeks",
    "devices",
)
QUESTION_BASES = (
    "recent_delivery",
    "order_on_the_way",
    "recent_ticket",
    "plan_change",
    "tenure",
    "new_customer",
    "usage_devices",
    "usage_plan",
)
# Openings that make a question answerable by yes or no.
CLOSED_OPENINGS = frozenset(
    "am is are was were do does did have has had can could will would shall should may might must "
    "isn't aren't wasn't weren't don't doesn't didn't haven't hasn't hadn't can't couldn't won't "
    "wouldn't shouldn't".split()
)


def closed_opening(question: str) -> bool:
    """True when the question opens like one answered by yes or no."""
    words = question.strip().split()
    return bool(words) and words[0].lower().strip(",.?!") in CLOSED_OPENINGS


def parse_rep_questions(path: Path) -> Dict[str, str]:
    raw = _read(path)
    if not isinstance(raw, dict):
        raise BusinessDataError(f"{path}: expected record kinds with question templates")
    text = path.read_text(encoding="utf-8").splitlines()
    questions = {}
    for key, template in raw.items():
        if key == LINE:
            continue
        line = key_line(text, key)
        if key not in QUESTION_BASES:
            raise BusinessDataError(f"{path}:{line}: unknown record kind '{key}' (known: {', '.join(QUESTION_BASES)})")
        if not isinstance(template, str):
            raise BusinessDataError(f"{path}:{line}: the question for '{key}' should be text")
        try:
            names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
        except ValueError as error:
            raise BusinessDataError(f"{path}:{line}: '{key}' is not a valid template ({error})") from error
        unknown = [name for name in names if name not in QUESTION_FACTS]
        if unknown:
            raise BusinessDataError(f"{path}:{line}: unknown placeholder '{{{unknown[0]}}}' in '{key}'")
        if closed_opening(template):
            raise BusinessDataError(f"{path}:{line}: '{key}' opens like a yes/no question; ask an open one")
        if not names:
            raise BusinessDataError(f"{path}:{line}: '{key}' names nothing from the customer's record")
        questions[key] = template
    return questions


@lru_cache(maxsize=None)
def _load(directory: str) -> Tuple[Catalog, Policies, Faq]:
    root = Path(directory)
    catalog = parse_catalog(root / "catalog.yml")
    policies = parse_policies(root / "policies.yml")
    return catalog, policies, parse_faq(root / "faq.yml", policies)


def load_catalog() -> Catalog:
    return _load(str(business_dir()))[0]


def load_policies() -> Policies:
    return _load(str(business_dir()))[1]


def load_faq() -> Faq:
    return _load(str(business_dir()))[2]


@lru_cache(maxsize=None)
def _load_questions(directory: str) -> Dict[str, str]:
    return parse_rep_questions(Path(directory) / "rep_questions.yml")


def load_rep_questions() -> Dict[str, str]:
    return _load_questions(str(business_dir()))
