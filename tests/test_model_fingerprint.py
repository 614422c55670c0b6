"""The model is retrained when what it learns from changes, and only then."""

from __future__ import annotations

import re
import shutil

from scripts.model import ROOT, fingerprint


def _copy(tmp_path):
    for name in ("config.yml", "domain.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path


def test_comments_do_not_change_the_fingerprint(tmp_path):
    root = _copy(tmp_path)
    before = fingerprint(root)
    config = root / "config.yml"
    config.write_text("# a comment\n" + config.read_text() + "\n\n")
    assert fingerprint(root) == before


def test_training_data_and_config_changes_do(tmp_path):
    root = _copy(tmp_path)
    before = fingerprint(root)
    nlu = root / "data" / "nlu" / "basics.yml"
    nlu.write_text(nlu.read_text().replace("- intent: greet\n", "- intent: greet\n  metadata: {}\n", 1))
    after_data = fingerprint(root)
    assert after_data != before
    config = root / "config.yml"
    config.write_text(re.sub(r"epochs: (\d+)", lambda m: f"epochs: {int(m[1]) + 1}", config.read_text(), count=1))
    assert fingerprint(root) != after_data
    (root / "data" / "extra.yml").write_text('version: "3.1"\n')
    assert fingerprint(root) not in (before, after_data)
