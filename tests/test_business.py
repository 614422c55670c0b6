"""The business files: loaded, filled in, and refused with file and line when wrong."""

from __future__ import annotations

import shutil
from datetime import datetime

import pytest

from assistant.business import (
    DEFAULT_DIR,
    BusinessDataError,
    load_faq,
    load_policies,
    parse_catalog,
    parse_faq,
    parse_policies,
)


def test_shipped_files_load():
    policies = load_policies()
    assert policies.return_window_days == 30
    assert "30 days" in load_faq().answer("returns_policy")


def test_every_faq_intent_has_an_answer_with_no_placeholder_left():
    import yaml

    from assistant.db import PROJECT_ROOT

    nlu = yaml.safe_load((PROJECT_ROOT / "data" / "nlu" / "faq.yml").read_text())
    keys = {item["intent"].split("/")[1] for item in nlu["nlu"] if item.get("intent", "").startswith("faq/")}
    faq = load_faq()
    for key in keys:
        answer = faq.answer(key)
        assert answer and "{" not in answer, key


def test_opening_hours_answer_comes_from_the_policies():
    assert "Monday to Friday 08:00–20:00" in load_faq().answer("opening_hours")


def test_opening_hours_status():
    policies = load_policies()
    assert policies.opening_hours_status(datetime(2026, 11, 24, 10, 0)) == (True, datetime(2026, 11, 24, 8, 0))
    # Saturday evening: next open on Monday morning (Sunday is closed)
    assert policies.opening_hours_status(datetime(2026, 11, 28, 18, 0)) == (False, datetime(2026, 11, 30, 8, 0))


@pytest.fixture
def business_copy(tmp_path):
    for name in ("catalog.yml", "policies.yml", "faq.yml"):
        shutil.copy(DEFAULT_DIR / name, tmp_path / name)
    return tmp_path


def _line_of(path, needle):
    return next(i + 1 for i, line in enumerate(path.read_text().splitlines()) if needle in line)


def test_unknown_field_names_file_and_line(business_copy):
    catalog = business_copy / "catalog.yml"
    catalog.write_text(catalog.read_text().replace("    speed_mbps: 500\n", "    speed_mbps: 500\n    colour: blue\n"))
    with pytest.raises(BusinessDataError) as error:
        parse_catalog(catalog)
    line = _line_of(catalog, "code: fibre_500")
    assert f"catalog.yml:{line}:" in str(error.value) and "colour" in str(error.value)


def test_broken_rule_names_file_and_line(business_copy):
    catalog = business_copy / "catalog.yml"
    catalog.write_text(catalog.read_text().replace("plans: [mobile_lite]", "plans: [mobile_gigantic]"))
    with pytest.raises(BusinessDataError) as error:
        parse_catalog(catalog)
    assert f"catalog.yml:{_line_of(catalog, 'code: extra_data')}:" in str(error.value)
    assert "mobile_gigantic" in str(error.value)


def test_wrong_type_and_duplicate_code(business_copy):
    catalog = business_copy / "catalog.yml"
    original = catalog.read_text()
    catalog.write_text(original.replace("monthly_price: 39.00", "monthly_price: cheap"))
    with pytest.raises(BusinessDataError, match="monthly_price"):
        parse_catalog(catalog)
    catalog.write_text(original.replace("code: fibre_900", "code: fibre_500"))
    with pytest.raises(BusinessDataError, match="duplicate plan code 'fibre_500'"):
        parse_catalog(catalog)


def test_invalid_yaml_names_the_line(business_copy):
    policies = business_copy / "policies.yml"
    policies.write_text(policies.read_text() + "\nbroken: [unclosed\n")
    with pytest.raises(BusinessDataError, match=r"policies.yml:\d+: not valid YAML"):
        parse_policies(policies)


def test_unknown_faq_placeholder(business_copy):
    faq = business_copy / "faq.yml"
    faq.write_text(faq.read_text() + "\nwarranty: Two years, see {warranty_url}.\n")
    with pytest.raises(BusinessDataError, match=r"faq.yml:\d+: unknown placeholder '\{warranty_url\}'"):
        parse_faq(faq, parse_policies(business_copy / "policies.yml"))


def test_missing_file_is_named(tmp_path):
    with pytest.raises(BusinessDataError, match="catalog.yml: file not found"):
        parse_catalog(tmp_path / "catalog.yml")
