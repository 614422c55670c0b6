"""Importing a CRM export with a mapping file (the Telco sample's mapping)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assistant import db
from assistant.importing import ImportFileError, import_customers, load_mapping
from assistant.models import Base, CustomerAttribute, Subscription
from assistant.offers.profile import load_profiles

ROOT = Path(__file__).resolve().parents[1]
MAPPING = ROOT / "imports" / "telco" / "mapping.yml"
TELCO = ROOT.parent / "shared" / "datasets" / "telco-churn" / "telco_classic.csv"
HEADER = (
    "customerID,gender,SeniorCitizen,Partner,Dependents,tenure,PhoneService,MultipleLines,InternetService,"
    "OnlineSecurity,OnlineBackup,DeviceProtection,TechSupport,StreamingTV,StreamingMovies,Contract,"
    "PaperlessBilling,PaymentMethod,MonthlyCharges,TotalCharges,Churn"
).split(",")


def row(customer_id, tenure="12", phone="Yes", lines="Yes", internet="Fiber optic", **addons):
    values = dict.fromkeys(HEADER, "No")
    values.update(
        customerID=customer_id,
        gender="Female",
        SeniorCitizen="0",
        tenure=tenure,
        PhoneService=phone,
        MultipleLines=lines,
        InternetService=internet,
        Contract="Month-to-month",
        PaymentMethod="Mailed check",
        MonthlyCharges="80.0",
        TotalCharges="900",
    )
    values.update(addons)
    return values


@pytest.fixture
def import_session(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'import.db'}")
    Base.metadata.create_all(engine)
    from sqlalchemy.orm import Session

    with Session(engine, future=True) as session:
        yield session
    engine.dispose()


def write_csv(path, rows, header=HEADER):
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_imports_plans_addons_and_attributes(tmp_path, import_session):
    path = write_csv(
        tmp_path / "crm.csv",
        [
            row("1111-AAAA", OnlineSecurity="Yes", StreamingTV="Yes"),
            row("2222-BBBB", phone="No", lines="No phone service", internet="DSL", TechSupport="Yes"),
            row("3333-CCCC", lines="No", internet="No", OnlineSecurity="No internet service"),
        ],
    )
    report = import_customers(import_session, path, load_mapping(MAPPING))
    assert (report.customers, report.skipped) == (3, [])
    profiles = load_profiles(import_session)
    first = profiles["T-1111-AAAA"]
    assert first.addons == {"online_security", "streaming_tv", "multiple_lines"}
    assert first.plan_kinds == {"broadband", "phone"}
    assert first.attributes["Contract"] == "Month-to-month" and "MonthlyCharges" not in first.attributes
    assert 360 <= first.tenure_days <= 370
    assert profiles["T-2222-BBBB"].plan_kinds == {"broadband"}
    assert profiles["T-3333-CCCC"].addons == frozenset()


def test_bad_rows_are_reported_and_good_rows_kept(tmp_path, import_session):
    path = write_csv(
        tmp_path / "crm.csv",
        [row("1111-AAAA"), row("", tenure="3"), row("4444-DDDD", tenure="a while"), row("1111-AAAA"), row("5555-EEEE")],
    )
    report = import_customers(import_session, path, load_mapping(MAPPING))
    assert report.customers == 2
    assert [s.split(":")[0] for s in report.skipped] == ["line 3", "line 4", "line 5"]
    assert "empty customerID" in report.skipped[0] and "appears twice" in report.skipped[2]


def test_reimport_replaces_instead_of_duplicating(tmp_path, import_session):
    path = write_csv(tmp_path / "crm.csv", [row("1111-AAAA", OnlineBackup="Yes")])
    mapping = load_mapping(MAPPING)
    import_customers(import_session, path, mapping)
    write_csv(path, [row("1111-AAAA", OnlineBackup="No", TechSupport="Yes")])
    import_customers(import_session, path, mapping)
    addons = set(
        import_session.execute(select(Subscription.addon_code).where(Subscription.addon_code.is_not(None))).scalars()
    )
    assert addons == {"tech_support", "multiple_lines"}
    assert import_session.execute(select(func.count()).select_from(CustomerAttribute)).scalar() == 7  # not 14


def test_missing_column_names_the_file_and_column(tmp_path, import_session):
    header = [h for h in HEADER if h != "StreamingMovies"]
    path = write_csv(tmp_path / "crm.csv", [row("1111-AAAA")], header=header)
    with pytest.raises(ImportFileError) as error:
        import_customers(import_session, path, load_mapping(MAPPING))
    assert "crm.csv" in str(error.value) and "'StreamingMovies'" in str(error.value)


def test_mapping_naming_an_addon_not_in_the_catalog_fails_with_its_line(tmp_path):
    mapping = tmp_path / "mapping.yml"
    text = MAPPING.read_text().replace('{"Yes": streaming_movies}', '{"Yes": cinema_club}')
    mapping.write_text(text)
    (tmp_path / "catalog.yml").write_text((MAPPING.parent / "catalog.yml").read_text())
    with pytest.raises(ImportFileError) as error:
        load_mapping(mapping)
    line = next(i + 1 for i, r in enumerate(text.splitlines()) if "cinema_club" in r)
    assert f"mapping.yml:{line}:" in str(error.value) and "cinema_club" in str(error.value)


@pytest.mark.skipif(not TELCO.exists(), reason="the Telco sample is not on this machine")
def test_the_whole_telco_sample_imports(tmp_path, import_session):
    report = import_customers(import_session, TELCO, load_mapping(MAPPING))
    assert report.customers == 7043 and report.skipped == []
    held = import_session.execute(
        select(Subscription.addon_code, func.count())
        .where(Subscription.addon_code.is_not(None))
        .group_by(Subscription.addon_code)
    ).all()
    with TELCO.open() as handle:
        rows = list(csv.DictReader(handle))
    assert dict(held)["streaming_movies"] == sum(r["StreamingMovies"] == "Yes" for r in rows)
    assert dict(held)["multiple_lines"] == sum(r["MultipleLines"] == "Yes" for r in rows)


EXTENDED = TELCO.parent / "telco_extended.csv"


@pytest.mark.skipif(not (TELCO.exists() and EXTENDED.exists()), reason="the Telco samples are not on this machine")
def test_the_extended_export_gives_the_same_customers_the_same_add_ons_and_more_facts(import_session):
    report = import_customers(import_session, EXTENDED, load_mapping(MAPPING.parent / "extended.yml"))
    assert report.customers == 7043 and report.skipped == []
    profiles = load_profiles(import_session)
    with TELCO.open() as handle:
        classic = {f"T-{r['customerID']}": r for r in csv.DictReader(handle)}
    columns = {"OnlineSecurity": "online_security", "TechSupport": "tech_support", "MultipleLines": "multiple_lines"}
    for customer_id, record in classic.items():
        expected = {code for column, code in columns.items() if record[column] == "Yes"}
        assert expected == profiles[customer_id].addons & set(columns.values()), customer_id
    cable = [p for p in profiles.values() if any(plan.code == "telco_cable" for plan in p.plans)]
    assert len(cable) == 830
    assert all("Streaming Music" in p.attributes for p in profiles.values())
    assert not any(name in p.attributes for p in profiles.values() for name in ("Monthly Charge", "Total Revenue"))


def test_an_id_the_chat_could_not_use_is_reported_not_imported(tmp_path, import_session):
    """The importer accepts exactly the ids the channels, tokens and console accept (one definition)."""
    from assistant.customers import is_customer_id

    path = write_csv(tmp_path / "crm.csv", [row("1111.AAAA"), row("2222 BBBB"), row("X" * 19), row("3333-CCCC")])
    report = import_customers(import_session, path, load_mapping(MAPPING))
    assert report.customers == 1
    assert [s.split(":")[0] for s in report.skipped] == ["line 2", "line 3", "line 4"]
    assert all("is not a customer id" in s for s in report.skipped)
    assert is_customer_id("T-3333-CCCC") and not is_customer_id("T-1111.AAAA")
