"""Who the customer is: look-ups and identity checks by email and postcode."""

from __future__ import annotations

import re
from typing import Dict, List, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.models import Customer

# A UK postcode: outward code, optional space, inward code (LS1 4AP, EH11YZ).
# A customer id, as every part of the product accepts it: letters, digits, "_" and "-", at most 20.
CUSTOMER_ID_PATTERN = r"^[A-Za-z0-9_-]{1,20}$"
CUSTOMER_ID = re.compile(CUSTOMER_ID_PATTERN)


def is_customer_id(value: object) -> bool:
    return isinstance(value, str) and CUSTOMER_ID.match(value) is not None


UK_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})\b", re.IGNORECASE)


def normalise_postcode(postcode: str) -> str:
    return re.sub(r"\s+", "", postcode or "").upper()


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def get_customer(session: Session, customer_id: str) -> Optional[Customer]:
    if not customer_id:
        return None
    return session.get(Customer, customer_id)


def verify_identity(session: Session, email: str, postcode: str) -> Optional[Customer]:
    """The customer whose account email AND postcode both match, else None.

    Both must match so that knowing someone's email alone discloses nothing.
    """
    email = normalise_email(email)
    if not email or not postcode:
        return None
    customer = session.execute(select(Customer).where(func.lower(Customer.email) == email)).scalar_one_or_none()
    if customer and normalise_postcode(customer.postcode) == normalise_postcode(postcode):
        return customer
    return None


def mask_email(email: str) -> str:
    """`jane.doe@example.com` -> `j*******@example.com`, safe to show in chat."""
    local, _, domain = email.partition("@")
    if not domain:
        return "your email address"
    return f"{local[:1]}{'*' * max(len(local) - 1, 3)}@{domain}"


def customer_names(session: Session, customer_ids: List[str]) -> Dict[str, str]:
    """Full names of these customers, in one query."""
    if not customer_ids:
        return {}
    rows = session.execute(
        select(Customer.id, Customer.first_name, Customer.last_name).where(Customer.id.in_(set(customer_ids)))
    )
    return {id_: f"{first} {last}".strip() for id_, first, last in rows}
