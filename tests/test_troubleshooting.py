"""Typed answers to the troubleshooting steps."""

from __future__ import annotations

import pytest

from assistant.troubleshooting import read_step_answer


@pytest.mark.parametrize(
    "text, asked, expected",
    [
        ("done", "done", True),
        ("Done!", "done", True),
        ("yes I restarted it", "done", True),
        ("I restarted it but its still slow", "done", True),
        ("I restarted it but its still slow", "working", False),
        ("cant find the router", "done", False),
        ("I haven't restarted it", "done", False),
        ("no still broken", "working", False),
        ("still dropping", "working", False),
        ("it works now", "working", True),
        ("yes", "working", True),
        ("no", "working", False),
        ("same as before", "working", False),
        ("where is my order?", "working", None),
        ("why is my bill so high", "done", None),
        ("", "done", None),
    ],
)
def test_a_typed_answer_to_a_step(text, asked, expected):
    assert read_step_answer(text, asked) is expected
