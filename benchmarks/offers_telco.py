"""Offer ranking on real customer histories: the IBM Telco sample.

    make bench-offers-telco             (or: python -m benchmarks.offers_telco [CSV])
    make bench-offers-telco-extended    (or: python -m benchmarks.offers_telco --extended)

Protocol (stated in issue 3, followed exactly):
- import the CSV with `imports/telco/mapping.yml` into a fresh SQLite file;
- for every customer with at least two of the seven add-ons, hide one, chosen
  with `random.Random(0)` in file order;
- 5-fold cross-validation over customers, KFold(5, shuffle=True, random_state=0);
- candidates: the eligible add-ons the customer does not have (the catalog's
  rules: phone service for Multiple Lines, internet for the other six);
- rank them with the engine's model trained on the other four folds only.
Prints hit@1, hit@3 and MRR for the engine and for a popularity baseline.

`--extended` imports the same customers from IBM's extended export instead
(`imports/telco/extended.yml`: their other held services and marketing facts
too), while the hidden add-ons and the folds still come from the classic
file's order, so both runs hide the same add-on from the same customer and
test the same folds (checked: the two files agree on the seven add-ons).

Leakage check: the model is trained from the training fold's profiles only
(asserted disjoint from the test fold), the test customer's profile has the
hidden add-on removed before its features are built, and the import leaves
out MonthlyCharges/TotalCharges, which contain the add-ons' own prices.
"""

from __future__ import annotations

import csv
import random
import sys
import tempfile
import time
from pathlib import Path

from sklearn.model_selection import KFold

from assistant.db import make_engine, session_scope, use_engine
from assistant.importing import ImportFileError, import_customers, load_mapping
from assistant.models import Base
from assistant.offers.eligibility import eligible_addons
from assistant.offers.profile import load_profiles
from assistant.offers.propensity import train

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets" / "telco-churn"
DEFAULT_CSV = DATASETS / "telco_classic.csv"
MAPPING = ROOT / "imports" / "telco" / "mapping.yml"
EXTENDED_CSV = DATASETS / "telco_extended.csv"
EXTENDED_MAPPING = ROOT / "imports" / "telco" / "extended.yml"
ADDON_COLUMNS = {  # file column -> our code, to pick the hidden add-on in the file's own order
    "OnlineSecurity": "online_security",
    "OnlineBackup": "online_backup",
    "DeviceProtection": "device_protection",
    "TechSupport": "tech_support",
    "StreamingTV": "streaming_tv",
    "StreamingMovies": "streaming_movies",
    "MultipleLines": "multiple_lines",
}


def metrics(ranks):
    n = len(ranks)
    return sum(r == 1 for r in ranks) / n, sum(r <= 3 for r in ranks) / n, sum(1 / r for r in ranks) / n


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extended = "--extended" in argv
    if extended:
        argv.remove("--extended")
    csv_path = Path(argv[0]) if argv else DEFAULT_CSV  # the protocol's file: its order picks hides and folds
    import_path = EXTENDED_CSV if extended else csv_path
    try:
        protocol = load_mapping(MAPPING)
        mapping = load_mapping(EXTENDED_MAPPING) if extended else protocol
    except ImportFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="telco-"))
    engine = make_engine(f"sqlite:///{workdir / 'telco.db'}")
    Base.metadata.create_all(engine)
    use_engine(engine)
    started = time.perf_counter()
    try:
        with session_scope() as session:
            report = import_customers(session, import_path, mapping)
    except ImportFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(report.summary().splitlines()[0] + f" ({time.perf_counter() - started:.1f} s)")
    with session_scope() as session:
        profiles = load_profiles(session)
    catalog = mapping.catalog

    # File order is customer order: ids are the file's ids with a prefix.
    with csv_path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in (protocol.id_column, *ADDON_COLUMNS) if c not in (reader.fieldnames or [])]
        if missing:
            print(f"error: {csv_path}: no column '{missing[0]}'", file=sys.stderr)
            return 2
        file_rows = list(reader)
    file_ids = [protocol.id_prefix + row[protocol.id_column].strip() for row in file_rows]
    if set(file_ids) != set(profiles):
        print(f"error: {import_path} and {csv_path} do not hold the same customers", file=sys.stderr)
        return 2
    rng = random.Random(0)
    hidden = {}
    for customer_id, row in zip(file_ids, file_rows):
        owned = [code for column, code in ADDON_COLUMNS.items() if row[column] == "Yes"]
        if owned != [code for code in ADDON_COLUMNS.values() if code in profiles[customer_id].addons]:
            print(f"error: {customer_id}'s add-ons differ between {import_path} and {csv_path}", file=sys.stderr)
            return 2
        if len(owned) >= 2:
            hidden[customer_id] = rng.choice(owned)
    print(f"customers with at least two add-ons: {len(hidden)} of {len(file_ids)}")

    engine_ranks, popular_ranks = [], []
    folds = KFold(5, shuffle=True, random_state=0)
    for fold, (train_index, test_index) in enumerate(folds.split(file_ids), start=1):
        train_ids = {file_ids[i] for i in train_index}
        test_ids = {file_ids[i] for i in test_index}
        assert not train_ids & test_ids, "a customer is in both folds"
        model = train([profiles[i] for i in train_ids], catalog)
        assert model.customers == len(train_ids)
        for customer_id in (file_ids[i] for i in test_index):
            if customer_id not in hidden:
                continue
            answer = hidden[customer_id]
            profile = profiles[customer_id].without_addon(answer)
            candidates = list(eligible_addons(profile, catalog))
            assert answer in candidates
            scored = {code: model.probability(profile, code, catalog) for code in candidates}
            shares = {code: model.addons[code].share for code in candidates}
            engine_ranks.append(sorted(candidates, key=lambda c: (-scored[c], c)).index(answer) + 1)
            popular_ranks.append(sorted(candidates, key=lambda c: (-shares[c], c)).index(answer) + 1)
        print(f"fold {fold}: trained on {len(train_ids)} customers, tested {sum(i in hidden for i in test_ids)}")

    print(f"\n{'method':<26}{'hit@1':>8}{'hit@3':>8}{'MRR':>8}   (n={len(engine_ranks)})")
    for name, ranks in (("popularity", popular_ranks), ("engine (propensity model)", engine_ranks)):
        hit1, hit3, mrr = metrics(ranks)
        print(f"{name:<26}{hit1:>8.3f}{hit3:>8.3f}{mrr:>8.3f}")
    print(f"total {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
