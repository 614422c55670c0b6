"""Rasa-side adapters: channels that bind a chat to a customer, the tracker store, NLU components.

Several of them patch or subclass Rasa internals (the tracker store's
loading, the channels, action validation) written against one Rasa release;
on another release they could misbehave quietly, so the Rasa server stops at
start with one clear line instead.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

WRITTEN_FOR_RASA = "3.6.21"


def check_rasa_version(installed: str | None = None) -> None:
    """Stop with one line when the installed Rasa is not the release these adapters were written for."""
    if installed is None:
        try:
            installed = version("rasa")
        except PackageNotFoundError:
            installed = "none"
    if installed != WRITTEN_FOR_RASA:
        raise SystemExit(
            f"connectors/ is written for Rasa {WRITTEN_FOR_RASA}, but Rasa {installed} is installed: "
            f"install rasa=={WRITTEN_FOR_RASA} (make setup), or review the patches in connectors/ first"
        )


check_rasa_version()
