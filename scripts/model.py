"""Train the Rasa model only when its inputs changed.

The model is named after a fingerprint of config.yml, domain.yml, every
file under data/, the scope gate's own examples (business/scope_examples.yml), the code of the custom NLU components the pipeline names
(connectors/nlu_*.py) and the installed Rasa version, so `make run`,
`make test` and CI reuse the model until one of those changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
INPUTS = ("config.yml", "domain.yml", "data", "business/scope_examples.yml")
# The custom components a trained model runs: their code is part of the model.
COMPONENT_CODE = ("connectors", "nlu_*.py")


def _content(file: Path) -> bytes:
    """What training sees: YAML is parsed, so comments and layout don't retrain."""
    if file.suffix in (".yml", ".yaml"):
        return json.dumps(yaml.safe_load(file.read_text(encoding="utf-8")), sort_keys=True).encode()
    return file.read_bytes()


def fingerprint(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for name in INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(root)).encode())
            digest.update(_content(file))
    folder, pattern = COMPONENT_CODE
    for file in sorted((root / folder).glob(pattern)):
        digest.update(str(file.relative_to(root)).encode())
        digest.update(file.read_bytes())
    digest.update(f"rasa=={rasa_version()}".encode())
    return digest.hexdigest()[:16]


def rasa_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rasa")
    except PackageNotFoundError:
        return "not installed"


def model_path(root: Path = ROOT) -> Path:
    return root / "models" / f"assistant-{fingerprint(root)}.tar.gz"


def rasa_env() -> dict:
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def rasa_bin() -> str:
    return str(Path(sys.executable).parent / "rasa")


def train(out: Path, name: str, quiet: bool = False) -> None:
    """`rasa train` on this project's config, domain and data into out/name.tar.gz."""
    subprocess.run(
        [
            rasa_bin(),
            "train",
            "--config",
            "config.yml",
            "--domain",
            "domain.yml",
            "--data",
            "data",
            "--out",
            str(out),
            "--fixed-model-name",
            name,
            "--force",
        ],
        cwd=ROOT,
        env=rasa_env(),
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
        stderr=subprocess.DEVNULL if quiet else None,
    )


def train_if_changed() -> Path:
    target = model_path()
    if target.exists():
        print(f"model up to date: {target.relative_to(ROOT)}")
        return target
    print("config.yml, domain.yml, data/, the NLU components or Rasa changed: training a new model ...", flush=True)
    started = time.monotonic()
    train(MODELS, target.name[: -len(".tar.gz")])
    print(f"trained {target.relative_to(ROOT)} in {time.monotonic() - started:.0f} s")
    for old in MODELS.glob("assistant-*.tar.gz"):
        if old != target:
            old.unlink()
    return target


if __name__ == "__main__":
    try:
        train_if_changed()
    except subprocess.CalledProcessError as error:
        sys.exit(f"training failed (exit {error.returncode}); see the output above")
