"""How likely a customer is to want each add-on, learned from the whole base.

One logistic regression per add-on, fitted on the customers eligible for it:
"does this customer have it?" from what else they hold (plans, other add-ons,
devices bought, tenure, recent technical tickets, imported CRM attributes).
The other add-ons are features, so the model learns what customers like this
one own together. The fitted weights are written to a JSON file (no pickle:
a model file is data a company can read and diff), and `ModelStore` reloads
the file when it changes, so retraining needs no restart.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional

from assistant import clock
from assistant.business import Catalog
from assistant.offers.eligibility import why_not_eligible
from assistant.offers.profile import CustomerProfile

FORMAT = "assistant-offers-propensity/1"
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "models" / "offers.json"
COMPUTING = ("laptop", "phone", "tablet")
DEVICES = ("laptop", "phone", "tablet", "tv")


class ModelFileError(ValueError):
    """The model file is missing, unreadable or from another format."""


def model_path() -> Path:
    return Path(os.environ.get("OFFER_MODEL_PATH") or DEFAULT_PATH)


def features(profile: CustomerProfile, catalog: Catalog, without: Optional[str] = None) -> Dict[str, float]:
    """The customer's facts as numbers; `without` leaves out the add-on being predicted."""
    x: Dict[str, float] = {}
    for plan in profile.plans:
        x[f"plan:{plan.code}"] = 1.0
        x[f"plan_kind:{plan.kind}"] = 1.0
        if plan.speed_mbps:
            x["speed_gbps"] = max(x.get("speed_gbps", 0.0), plan.speed_mbps / 1000)
    categories = profile.categories()
    for category, count in categories.items():
        x[f"owns:{category}"] = min(count, 3) / 3
    x["devices"] = min(sum(categories.get(c, 0) for c in DEVICES), 5) / 5
    years = profile.tenure_days / 365.25
    x["tenure_years"] = min(years, 10) / 10
    x["tenure:" + ("under_1y" if years < 1 else "1_3y" if years < 3 else "over_3y")] = 1.0
    others = [code for code in profile.addons if code != without and code in catalog.addons]
    for code in others:
        x[f"addon:{code}"] = 1.0
    x["addon_count"] = len(others) / max(len(catalog.addons), 1)
    year_ago = datetime.combine(profile.today - timedelta(days=365), datetime.min.time())
    technical = sum(1 for t in profile.tickets if t.category == "technical" and t.created_at >= year_ago)
    if technical:
        x["technical_tickets"] = min(technical, 3) / 3
    for name, value in profile.attributes.items():
        x[f"attr:{name}={value}"] = 1.0
    return x


@dataclass
class AddOnModel:
    intercept: float
    weights: Dict[str, float]
    eligible: int
    holders: int

    @property
    def share(self) -> float:
        """Share of eligible customers who have it (the popularity prior)."""
        return self.holders / self.eligible if self.eligible else 0.0

    def probability(self, x: Mapping[str, float]) -> float:
        z = self.intercept + sum(self.weights.get(name, 0.0) * value for name, value in x.items())
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))

    def contributions(self, x: Mapping[str, float]) -> List[tuple]:
        """(feature, weight × value), largest first: why the model likes this offer."""
        parts = [(name, self.weights.get(name, 0.0) * value) for name, value in x.items()]
        return sorted((p for p in parts if p[1] > 0), key=lambda p: -p[1])


@dataclass
class PropensityModel:
    addons: Dict[str, AddOnModel]
    trained_at: str
    customers: int

    def probability(self, profile: CustomerProfile, code: str, catalog: Catalog) -> float:
        model = self.addons.get(code)
        if model is None:
            return 0.0
        return model.probability(features(profile, catalog, without=code))

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "trained_at": self.trained_at,
            "customers": self.customers,
            "addons": {
                code: {
                    "intercept": m.intercept,
                    "eligible": m.eligible,
                    "holders": m.holders,
                    "weights": {k: round(v, 6) for k, v in sorted(m.weights.items()) if abs(v) > 1e-6},
                }
                for code, m in sorted(self.addons.items())
            },
        }

    @classmethod
    def from_json(cls, data: dict, source: str = "model") -> "PropensityModel":
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ModelFileError(f"{source}: not an offer model of format {FORMAT}")
        try:
            addons = {
                code: AddOnModel(float(m["intercept"]), dict(m["weights"]), int(m["eligible"]), int(m["holders"]))
                for code, m in data["addons"].items()
            }
            return cls(addons, str(data["trained_at"]), int(data["customers"]))
        except (KeyError, TypeError, ValueError) as error:
            raise ModelFileError(f"{source}: malformed offer model ({error})") from error

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp")
        partial.write_text(json.dumps(self.to_json(), indent=1), encoding="utf-8")
        os.replace(partial, path)  # readers never see half a file


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def train(profiles: Iterable[CustomerProfile], catalog: Catalog, regularization: float = 1.0) -> PropensityModel:
    """Fit one model per add-on on the customers eligible for it.

    Only the profiles passed in are seen: evaluation passes the training fold.
    """
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    profiles = list(profiles)
    models: Dict[str, AddOnModel] = {}
    for code, spec in catalog.addons.items():
        rows, labels = [], []
        for profile in profiles:
            # Eligibility is judged as if they did not hold it, so holders count.
            if why_not_eligible(profile.without_addon(code), spec, catalog) is None:
                rows.append(features(profile, catalog, without=code))
                labels.append(code in profile.addons)
        holders = sum(labels)
        if not rows or holders in (0, len(rows)) or min(holders, len(rows) - holders) < 5:
            # Too few examples either way to learn from: the share alone.
            models[code] = AddOnModel(_logit((holders + 1) / (len(rows) + 2)), {}, len(rows), holders)
            continue
        vectorizer = DictVectorizer(sparse=True)
        matrix = vectorizer.fit_transform(rows)
        fitted = LogisticRegression(C=regularization, max_iter=2000).fit(matrix, labels)
        weights = dict(zip(vectorizer.get_feature_names_out(), fitted.coef_[0].tolist()))
        models[code] = AddOnModel(float(fitted.intercept_[0]), weights, len(rows), holders)
    return PropensityModel(models, clock.now().isoformat(timespec="seconds"), len(profiles))


def load_model(path: Path) -> PropensityModel:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ModelFileError(
            f"{path}: no offer model; train one with `python -m assistant.cli train-offers`"
        ) from error
    except (OSError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{path}: cannot read the offer model ({error})") from error
    return PropensityModel.from_json(data, str(path))


class ModelStore:
    """The current model, reloaded when its file changes (checked at most every `interval` s)."""

    def __init__(self, path: Optional[Path] = None, interval: float = 2.0) -> None:
        self.path = path or model_path()
        self.interval = interval
        self._lock = threading.Lock()
        self._model: Optional[PropensityModel] = None
        self._stamp: Optional[tuple] = None
        self._checked = 0.0

    def get(self) -> PropensityModel:
        now = time.monotonic()
        if self._model is not None and now - self._checked < self.interval:
            return self._model
        with self._lock:
            self._checked = now
            try:
                stat = self.path.stat()
            except FileNotFoundError:
                if self._model is not None:
                    return self._model  # keep serving the last good model
                raise ModelFileError(
                    f"{self.path}: no offer model; train one with `python -m assistant.cli train-offers`"
                ) from None
            stamp = (stat.st_mtime_ns, stat.st_size)
            if stamp != self._stamp:
                try:
                    self._model = load_model(self.path)
                    self._stamp = stamp
                except ModelFileError:
                    if self._model is None:
                        raise
            return self._model


_stores: Dict[str, ModelStore] = {}


def shared_store() -> ModelStore:
    """The process's store for the configured model path."""
    key = str(model_path())
    if key not in _stores:
        _stores[key] = ModelStore(Path(key))
    return _stores[key]
