"""Money is kept in pence; this turns it into text a customer reads."""

from __future__ import annotations

CURRENCY_SYMBOL = "£"


def format_money(pence: int, symbol: str = CURRENCY_SYMBOL) -> str:
    """`850` -> `£8.50`; negative amounts keep their sign in front: `-£3.00`."""
    sign = "-" if pence < 0 else ""
    pence = abs(int(pence))
    return f"{sign}{symbol}{pence // 100:,}.{pence % 100:02d}"
