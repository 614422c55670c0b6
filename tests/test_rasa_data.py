"""Rasa's own checks: the training data validates, and every test story passes."""

from __future__ import annotations

import json
import subprocess

from scripts.model import ROOT, rasa_bin, rasa_env, train_if_changed


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
