"""Rasa's own checks: the training data validates, and every test story passes."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import yaml

from scripts.model import ROOT, rasa_bin, rasa_env, train_if_changed

pytestmark = pytest.mark.servers  # trains the model and runs Rasa's own test

# Warnings Rasa's validator gives for a sound domain, and why they are sound.
EXPECTED_WARNINGS = (
    # the retrieval intent is listed in the domain and its sub-intents in the NLU data
    "duplicated intents have been found across multiple domain files: faq",
    # FAQ answers come from business/faq.yml through action_answer_faq
    "Action 'utter_faq' is listed as a response action",
    # sent by the sidecar when a rep resolves a conversation; nobody types it
    "The intent 'resolved_by_rep' is listed in the domain file, but is not found in the NLU training data",
    # read from a ticket question's words by connectors/nlu_words.py, not by the classifier
    "The intent 'ticket_status' is listed in the domain file, but is not found in the NLU training data",
    # affirm fills form slots (from_intent mappings), not story steps
    "The intent 'affirm' is not used in any story or rule",
)


def test_rasa_data_validate_is_clean():
    result = subprocess.run(
        [rasa_bin(), "data", "validate", "--config", "config.yml", "--domain", "domain.yml", "--data", "data"],
        cwd=ROOT,
        env=rasa_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    warnings = [line.split("UserWarning: ", 1)[1] for line in output.splitlines() if "UserWarning: " in line]
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    form_slots = {slot for form in domain["forms"].values() for slot in form["required_slots"]}
    # responses are chosen by the actions, and by the core as Reply("utter_...") (assistant/replies.py)
    sources = [*(ROOT / "actions").glob("*.py"), *(ROOT / "assistant").rglob("*.py")]
    actions_code = "".join(path.read_text() for path in sources)
    unexplained = []
    for warning in warnings:
        unused = re.match(r"The utterance '(utter_\w+)' is not used in any story or rule", warning)
        if unused:
            name = unused.group(1)
            asked_by_a_form = name.startswith("utter_ask_") and name[len("utter_ask_") :] in form_slots
            if asked_by_a_form or f'"{name}"' in actions_code or _named_by_family(name, actions_code, domain):
                continue  # dispatched by a form or a custom action, which the validator can't see
        elif any(expected in warning for expected in EXPECTED_WARNINGS):
            continue
        unexplained.append(warning)
    assert unexplained == []


def test_every_test_story_passes(tmp_path):
    model = train_if_changed()
    result = subprocess.run(
        [
            rasa_bin(),
            "test",
            "core",
            "--model",
            str(model),
            "--stories",
            "tests/test_stories.yml",
            "--out",
            str(tmp_path),
            "--no-plot",
            "--e2e",
        ],
        cwd=ROOT,
        env=rasa_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    failed = (tmp_path / "failed_test_stories.yml").read_text()
    assert "stories:" not in failed or "None of the test stories failed" in failed, failed[:4000]
    report = json.loads((tmp_path / "story_report.json").read_text())
    assert report["conversation_accuracy"]["accuracy"] == 1.0, report["conversation_accuracy"]
    assert report["conversation_accuracy"]["total"] >= 15


def _named_by_family(name: str, actions_code: str, domain: dict) -> bool:
    """utter_confirm_<change>, utter_back_to_<form>: chosen by an action as f"utter_confirm_{kind}"."""
    from actions.support import TECH_ISSUES
    from assistant.changes import KINDS
    from assistant.plans import RETENTION_KINDS

    families = {
        "utter_confirm_": KINDS,
        "utter_done_": KINDS,
        "utter_undone_": KINDS,
        "utter_cannot_undo_": KINDS,
        "utter_back_to_": tuple(domain["forms"]),
        "utter_step_": TECH_ISSUES,
        "utter_alternative_details_": RETENTION_KINDS,
    }
    for prefix, members in families.items():
        if name.startswith(prefix) and f'f"{prefix}{{' in actions_code and name[len(prefix) :] in members:
            return True
    return False
