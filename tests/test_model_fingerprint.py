"""The model is retrained when what it learns from changes, and only then."""

from __future__ import annotations

import re
import shutil

from scripts.model import ROOT, fingerprint


def _copy(tmp_path):
    for name in ("config.yml", "domain.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "data", tmp_path / "data")
    (tmp_path / "business").mkdir()
    shutil.copy(ROOT / "business" / "scope_examples.yml", tmp_path / "business" / "scope_examples.yml")
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
    after_extra = fingerprint(root)
    assert after_extra not in (before, after_data)
    # the scope gate's own wordings are trained into the model too
    gate = root / "business" / "scope_examples.yml"
    gate.write_text(gate.read_text() + "  - what's the capital of peru\n")
    assert fingerprint(root) != after_extra


def test_a_custom_components_code_and_the_rasa_version_do(tmp_path, monkeypatch):
    import scripts.model as model

    root = _copy(tmp_path)
    shutil.copytree(ROOT / "connectors", root / "connectors")
    before = fingerprint(root)
    masker = root / "connectors" / "nlu_masking.py"
    masker.write_text(masker.read_text() + "\nSTAND_IN = 'x'\n")
    after_code = fingerprint(root)
    assert after_code != before
    # a connector the model does not run (the tracker store) does not retrain
    store = root / "connectors" / "tracker_store.py"
    store.write_text(store.read_text() + "\n# a note\n")
    assert fingerprint(root) == after_code
    monkeypatch.setattr(model, "rasa_version", lambda: "3.7.0")
    assert fingerprint(root) != after_code


def test_the_adapters_refuse_another_rasa_release_with_one_line():
    import pytest

    from connectors import WRITTEN_FOR_RASA, check_rasa_version

    check_rasa_version(WRITTEN_FOR_RASA)
    with pytest.raises(SystemExit) as stopped:
        check_rasa_version("3.7.0")
    assert "\n" not in str(stopped.value)
    assert "Rasa 3.7.0 is installed" in str(stopped.value)
