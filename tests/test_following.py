"""Following a conversation (issue 17): follow-ups, corrections, questions inside forms,
two requests in one message, typed answers, repair and out of scope.

The conversations are in tests/conversations/following.yml; each is replayed
over the REST channel against the real servers, and none of them may write
to the records (every table is compared before and after).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml

from tests.conftest import changed_tables, records

CONVERSATIONS = yaml.safe_load((Path(__file__).parent / "conversations" / "following.yml").read_text())


def replay(chat, conversation) -> None:
    sender = f"follow-{uuid.uuid4().hex[:10]}"
    for number, turn in enumerate(conversation["turns"], 1):
        messages = chat.say(sender, turn["say"], conversation["customer"])
        reply = " ".join(m.get("text", "") for m in messages)
        titles = [b["title"] for m in messages for b in m.get("buttons") or []]
        where = f"turn {number} ({turn['say']!r}) got {reply!r} {titles}"
        for expected in turn.get("buttons_any", []):
            assert any(expected in title for title in titles), where
        for avoided in turn.get("buttons_avoid", []):
            assert not any(avoided in title for title in titles), where
        for expected in turn.get("expect", []):
            assert expected in reply, where
        if turn.get("expect_any"):
            assert any(expected in reply for expected in turn["expect_any"]), where
        for avoided in turn.get("avoid", []):
            assert avoided not in reply, where


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=[c["name"] for c in CONVERSATIONS])
def test_the_conversation_is_followed_and_nothing_is_written(chat, conversation):
    before = records()
    replay(chat, conversation)
    changed = changed_tables(before, records())
    assert changed == {}, f"{conversation['name']} wrote {sorted(changed)}"


def test_the_set_covers_every_kind_of_turn():
    kinds = {c["kind"] for c in CONVERSATIONS}
    assert kinds >= {
        "follow_up",
        "correction",
        "form_question",
        "two_requests",
        "typed_answer",
        "repair",
        "out_of_scope",
    }
