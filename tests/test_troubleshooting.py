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
        # a question of its own, with step words in it: answered, then the step asked again
        ("whats your phone number in case this doesnt work", "working", None),
        ("can you send an engineer if it still doesnt work", "done", None),
        ("why is it still not working", "working", False),  # about the problem: still broken
    ],
)
def test_a_typed_answer_to_a_step(text, asked, expected):
    assert read_step_answer(text, asked) is expected
