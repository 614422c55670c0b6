"""Load a company's own customer histories from a CRM export (CSV).

A mapping file (YAML) says which column is the customer id, how long they
have been a customer, which columns are plans and add-ons (and which cell
values mean "has it"), and which columns to keep as attributes the offer
model can learn from. The mapping names the company's catalog, so add-ons
and their rules come from the same kind of file as our own.

Re-importing the same export replaces those customers' imported plans,
add-ons and attributes rather than duplicating them. A bad row is reported
with its line number and skipped; the good rows are all kept.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from assistant import clock
from assistant.business import LINE, Catalog, _Checker, _LineLoader, parse_catalog
from assistant.customers import is_customer_id
from assistant.db import session_scope
from assistant.demo_data import sync_catalog
from assistant.models import Customer, CustomerAttribute, Subscription


class ImportFileError(ValueError):
    """The mapping or the CSV cannot be used (names the file, line or column)."""


@dataclass(frozen=True)
class Mapping:
    path: Path
    catalog: Catalog
    id_column: str
    id_prefix: str
    tenure_months_column: Optional[str]
    joined_column: Optional[str]
    region: Optional[str]
    region_column: Optional[str]
    attributes: List[str]
    plans: Dict[str, Dict[str, str]]  # column -> cell value -> plan code
    addons: Dict[str, Dict[str, str]]  # column -> cell value -> add-on code

    def columns(self) -> List[str]:
        named = [self.id_column, self.tenure_months_column, self.joined_column, self.region_column]
        return [c for c in named if c] + self.attributes + list(self.plans) + list(self.addons)


def _values(check: _Checker, entry: Any, what: str, known: Dict[str, Any]) -> Dict[str, Dict[str, str]]:
    if not isinstance(entry, dict):
        raise ImportFileError(f"{check.path}: '{what}' should map columns to {{cell value: code}}")
    result = {}
    for column, values in entry.items():
        if column == LINE:
            continue
        if not isinstance(values, dict):
            check.fail(entry, f"{what}.{column} should map cell values to codes")
        mapped = {}
        for cell, code in values.items():
            if cell == LINE:
                continue
            if code not in known:
                check.fail(values, f"{what}.{column}: '{code}' is not in the catalog ({', '.join(sorted(known))})")
            mapped[str(cell)] = code
        result[str(column)] = mapped
    return result


def load_mapping(path: Path) -> Mapping:
    if not path.exists():
        raise ImportFileError(f"{path}: mapping file not found")
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.YAMLError as error:
        raise ImportFileError(f"{path}: not valid YAML ({error})") from error
    check = _Checker(path)
    try:
        check.fields(
            raw,
            {"catalog": str, "customer": dict, "addons": dict},
            {"attributes": list, "plans": dict, "source": str},
            "mapping",
        )
        customer = raw["customer"]
        check.fields(
            customer,
            {"id": str},
            {"id_prefix": str, "tenure_months": str, "joined_on": str, "region": str, "region_column": str},
            "mapping 'customer'",
        )
        catalog = parse_catalog((path.parent / raw["catalog"]).resolve())
        return Mapping(
            path=path,
            catalog=catalog,
            id_column=customer["id"],
            id_prefix=customer.get("id_prefix", ""),
            tenure_months_column=customer.get("tenure_months"),
            joined_column=customer.get("joined_on"),
            region=customer.get("region"),
            region_column=customer.get("region_column"),
            attributes=[str(a) for a in raw.get("attributes", [])],
            plans=_values(check, raw.get("plans", {}), "plans", catalog.plans),
            addons=_values(check, raw["addons"], "addons", catalog.addons),
        )
    except ValueError as error:  # BusinessDataError from the checker
        raise ImportFileError(str(error)) from error


@dataclass
class ImportReport:
    source: Path
    customers: int = 0
    plans: int = 0
    addons: int = 0
    attributes: int = 0
    skipped: List[str] = field(default_factory=list)  # "line N: why"

    def summary(self) -> str:
        text = (
            f"imported {self.customers} customers from {self.source}: {self.plans} plans, "
            f"{self.addons} add-ons, {self.attributes} attributes"
        )
        if self.skipped:
            text += f"; skipped {len(self.skipped)} rows:\n  " + "\n  ".join(self.skipped[:20])
            if len(self.skipped) > 20:
                text += f"\n  ... and {len(self.skipped) - 20} more"
        return text


def _joined(row: Dict[str, str], mapping: Mapping, as_of: date) -> date:
    if mapping.joined_column:
        return date.fromisoformat(row[mapping.joined_column].strip())
    if mapping.tenure_months_column:
        months = float(row[mapping.tenure_months_column].strip())
        if months < 0:
            raise ValueError("tenure is negative")
        return as_of - timedelta(days=round(months * 30.44))
    return as_of


def import_customers(session: Session, csv_path: Path, mapping: Mapping, as_of: Optional[date] = None) -> ImportReport:
    as_of = as_of or clock.today()
    report = ImportReport(csv_path)
    if not csv_path.exists():
        raise ImportFileError(f"{csv_path}: file not found")
    sync_catalog(session, mapping.catalog)
    with csv_path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in mapping.columns() if c not in (reader.fieldnames or [])]
        if missing:
            raise ImportFileError(
                f"{csv_path}: no column '{missing[0]}' (named in {mapping.path}); the file has: "
                + ", ".join(reader.fieldnames or [])
            )
        customers, subscriptions, attributes = [], [], []
        seen = set()
        for line, row in enumerate(reader, start=2):
            raw_id = (row.get(mapping.id_column) or "").strip()
            customer_id = f"{mapping.id_prefix}{raw_id}"
            if not raw_id:
                report.skipped.append(f"line {line}: empty {mapping.id_column}")
                continue
            if not is_customer_id(customer_id):
                report.skipped.append(
                    f"line {line}: id {customer_id!r} is not a customer id (letters, digits, '_' or '-', at most 20)"
                )
                continue
            if customer_id in seen:
                report.skipped.append(f"line {line}: {customer_id} appears twice; the first row was kept")
                continue
            try:
                joined = _joined(row, mapping, as_of)
            except ValueError as error:
                report.skipped.append(f"line {line}: cannot read when {customer_id} joined ({error})")
                continue
            seen.add(customer_id)
            region = (row.get(mapping.region_column) or "").strip() if mapping.region_column else mapping.region
            customers.append({"id": customer_id, "region": region, "joined_on": joined})
            for columns, held in ((mapping.plans, "plan"), (mapping.addons, "addon")):
                for column, values in columns.items():
                    code = values.get(row[column].strip())
                    if code:
                        subscriptions.append(
                            _subscription(customer_id, joined, mapping.catalog, **{f"{held}_code": code})
                        )
                        report.plans += held == "plan"
                        report.addons += held == "addon"
            for name in mapping.attributes:
                value = row[name].strip()
                if value:
                    attributes.append({"customer_id": customer_id, "name": name[:60], "value": value[:120]})
    ids = [c["id"] for c in customers]
    existing = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        existing.update(session.execute(select(Customer.id).where(Customer.id.in_(chunk))).scalars())
        session.execute(delete(Subscription).where(Subscription.customer_id.in_(chunk)))
        session.execute(delete(CustomerAttribute).where(CustomerAttribute.customer_id.in_(chunk)))
    new = [
        dict(c, first_name="", last_name=c["id"], email=None, postcode="") for c in customers if c["id"] not in existing
    ]
    for start in range(0, len(new), 1000):
        session.execute(insert(Customer), new[start : start + 1000])
    for c in customers:
        if c["id"] in existing:
            row = session.get(Customer, c["id"])
            row.region, row.joined_on = c["region"], c["joined_on"]
    for rows, table in ((subscriptions, Subscription), (attributes, CustomerAttribute)):
        for start in range(0, len(rows), 1000):
            session.execute(insert(table), rows[start : start + 1000])
    report.customers, report.attributes = len(customers), len(attributes)
    session.flush()
    return report


def _subscription(customer_id: str, joined: date, catalog: Catalog, *, plan_code=None, addon_code=None) -> dict:
    price = (catalog.plans[plan_code] if plan_code else catalog.addons[addon_code]).monthly_price_cents
    return {
        "customer_id": customer_id,
        "plan_code": plan_code,
        "addon_code": addon_code,
        "status": "active",
        "monthly_price_cents": price,
        "started_on": joined,
    }


def import_customers_file(csv_path: Path, mapping_path: Path) -> ImportReport:
    mapping = load_mapping(mapping_path)
    with session_scope() as session:
        return import_customers(session, csv_path, mapping)
