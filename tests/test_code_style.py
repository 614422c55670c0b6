"""The code stays ruff-clean (ruff.toml), so style never drifts between commits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean():
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run(
        [
            str(ruff),
            "check",
            "--no-cache",
            "assistant",
            "actions",
            "connectors",
            "api",
            "scripts",
            "benchmarks",
            "tests",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:]


# The only sentence an action may pass as text: an FAQ answer, which is itself the company's
# words from business/faq.yml (filled from policies.yml), not Python's.
TEXT_ALLOWED = {("actions/support.py", "answer")}


def test_actions_say_responses_of_the_domain_not_sentences_of_their_own():
    """`dispatcher.utter_message(text=...)` would put the words in Python: actions name a response instead."""
    import ast

    found = []
    for path in sorted((ROOT / "actions").glob("*.py")):
        where = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "utter_message"):
                continue
            said = [k.value for k in node.keywords if k.arg == "text"] + list(node.args[:1])  # text is the first
            for value in said:
                if not (isinstance(value, ast.Name) and (where, value.id) in TEXT_ALLOWED):
                    found.append(f"{where}:{node.lineno}: text={ast.unparse(value)}")
    assert found == []
