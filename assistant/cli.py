"""`python -m assistant.cli init-db`: create the tables and load demo data if empty."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import date

from sqlalchemy.exc import SQLAlchemyError

from assistant.business import BusinessDataError
from assistant.db import database_url, get_engine, session_scope
from assistant.demo_data import prepare_database
from assistant.staff import ROLES, add_staff


def init_db(customers: int, seed: int) -> None:
    engine = get_engine()
    counts = prepare_database(engine, customers=customers, seed=seed, today=date.today(), progress=True)
    where = engine.url.render_as_string(hide_password=True)
    if counts:
        print(f"database ready ({where}); loaded demo data: " + ", ".join(f"{n} {t}" for t, n in counts.items()))
    else:
        print(f"database ready ({where}); demo data already loaded")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init-db", help="create tables; load demo data if the database is empty")
    init.add_argument("--customers", type=int, default=500)
    init.add_argument("--seed", type=int, default=7)
    staff = sub.add_parser("add-staff", help="create or update a rep or supervisor account")
    staff.add_argument("username")
    staff.add_argument("display_name")
    staff.add_argument("role", choices=ROLES)
    args = parser.parse_args(argv)
    try:
        if args.command == "init-db":
            init_db(args.customers, args.seed)
        elif args.command == "add-staff":
            password = getpass.getpass(f"password for {args.username}: ")
            if len(password) < 8:
                print("error: the password needs at least 8 characters", file=sys.stderr)
                return 2
            with session_scope() as session:
                add_staff(session, args.username, args.display_name, args.role, password)
            print(f"{args.role} {args.username} saved")
    except BusinessDataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except SQLAlchemyError as error:
        print(
            f"error: cannot use the database at DATABASE_URL={database_url()!r}: {error.__class__.__name__}: "
            f"{str(error.orig if hasattr(error, 'orig') else error).splitlines()[0]}",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
