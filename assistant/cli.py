"""Command line: `init-db`, `migrate`, `add-staff`, `end-sessions`, `train-offers`, `import-customers`,
`close-account`, `apply-retention`."""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Optional

from sqlalchemy.exc import SQLAlchemyError

from assistant import clock
from assistant.business import BusinessDataError, load_catalog, load_policies
from assistant.db import get_engine, session_scope, shown_url
from assistant.demo_data import demo_data_loaded, prepare_database
from assistant.demo_feedback import load_demo_feedback
from assistant.importing import ImportFileError, import_customers_file
from assistant.migrate import SchemaError, upgrade
from assistant.offers.profile import load_profiles
from assistant.offers.propensity import ModelFileError, model_path, train
from assistant.retention import UnknownCustomer, close_account
from assistant.staff import ROLES, add_staff
from assistant.staff_sessions import end_all


def init_db(customers: int, seed: int) -> None:
    engine = get_engine()
    counts = prepare_database(engine, customers=customers, seed=seed, today=clock.today(), progress=True)
    with session_scope() as session:
        if demo_data_loaded(session):  # a demo database: give the dashboard twelve weeks of history
            counts.update(load_demo_feedback(session, seed=seed, today=clock.today()))
    where = engine.url.render_as_string(hide_password=True)
    if counts:
        print(f"database ready ({where}); loaded demo data: " + ", ".join(f"{n} {t}" for t, n in counts.items()))
    else:
        print(f"database ready ({where}); demo data already loaded")


def migrate() -> None:
    engine = get_engine()
    result = upgrade(engine)
    where = engine.url.render_as_string(hide_password=True)
    if result.before == result.after:
        print(f"database schema is current ({where}, revision {result.after})")
    else:
        found = result.before or "empty"
        note = " (recognised a database made before migrations, by its tables)" if result.stamped else ""
        print(f"database schema upgraded in place ({where}): {found} -> {result.after}{note}")


def train_offers(path: Optional[str], if_missing: bool = False) -> None:
    target = Path(path) if path else model_path()
    if if_missing and target.exists():
        print(f"offer model present ({target}); retrain with `python -m assistant.cli train-offers`")
        return
    started = time.perf_counter()
    with session_scope() as session:
        profiles = load_profiles(session)
    model = train(profiles.values(), load_catalog())
    model.save(target)
    print(
        f"offer model trained on {model.customers} customers in {time.perf_counter() - started:.1f} s "
        f"-> {target} ({len(model.addons)} add-ons)"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init-db", help="create tables; load demo data if the database is empty")
    init.add_argument("--customers", type=int, default=500)
    init.add_argument("--seed", type=int, default=7)
    sub.add_parser("migrate", help="upgrade the database schema in place to this release")
    staff = sub.add_parser("add-staff", help="create or update a rep or supervisor account")
    staff.add_argument("username")
    staff.add_argument("display_name")
    staff.add_argument("role", choices=ROLES)
    ending = sub.add_parser("end-sessions", help="sign a rep or supervisor out everywhere, now")
    ending.add_argument("username")
    offers = sub.add_parser("train-offers", help="learn add-on propensities from every customer; write the model file")
    offers.add_argument("--output", help="model file (default: OFFER_MODEL_PATH or models/offers.json)")
    offers.add_argument("--if-missing", action="store_true", help="only train when there is no model file yet")
    importer = sub.add_parser("import-customers", help="load a CRM export (CSV) described by a mapping file")
    importer.add_argument("csv", help="the CSV file")
    importer.add_argument("--mapping", required=True, help="the mapping file (YAML), e.g. imports/telco/mapping.yml")
    closing = sub.add_parser("close-account", help="the team closed this account: erase it after the notice period")
    closing.add_argument("customer_id")
    sub.add_parser("apply-retention", help="delete expired transcripts; erase accounts closed past their notice")
    args = parser.parse_args(argv)
    try:
        if args.command == "init-db":
            init_db(args.customers, args.seed)
        elif args.command == "migrate":
            migrate()
        elif args.command == "add-staff":
            password = getpass.getpass(f"password for {args.username}: ")
            if len(password) < 8:
                print("error: the password needs at least 8 characters", file=sys.stderr)
                return 2
            with session_scope() as session:
                add_staff(session, args.username, args.display_name, args.role, password)
            print(f"{args.role} {args.username} saved (any session signed in with the old password ended)")
        elif args.command == "end-sessions":
            with session_scope() as session:
                ended = end_all(session, args.username)
            print(f"{ended} session{'s' if ended != 1 else ''} of {args.username} ended")
        elif args.command == "train-offers":
            train_offers(args.output, args.if_missing)
        elif args.command == "import-customers":
            report = import_customers_file(Path(args.csv), Path(args.mapping))
            print(report.summary())
        elif args.command == "close-account":
            with session_scope() as session:
                customer = close_account(session, args.customer_id, clock.today())
                erase_on = customer.closed_on + timedelta(days=load_policies().erasure_notice_days)
            print(
                f"account {args.customer_id} closed on {customer.closed_on}; its personal data is erased from {erase_on}"
            )
        elif args.command == "apply-retention":
            from connectors.retention import apply_retention  # reads Rasa's storage

            with session_scope() as session:
                done = apply_retention(session, load_policies(), clock.today())
            print(
                f"{done.conversations_expired} expired conversations deleted, {done.customers_erased} closed accounts "
                f"erased, {done.events_deleted} transcript events deleted"
            )
    except (BusinessDataError, ImportFileError, ModelFileError, SchemaError, UnknownCustomer) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except SQLAlchemyError as error:
        print(
            f"error: cannot use the database at DATABASE_URL={shown_url()!r}: {error.__class__.__name__}: "
            f"{str(error.orig if hasattr(error, 'orig') else error).splitlines()[0]}",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
