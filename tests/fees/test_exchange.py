"""Import and export: one format, all or nothing, errors that name the file, row and field."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.core.models import utcnow
from portal.extensions import db
from portal.fees import demo
from portal.fees.demo import DATA
from portal.fees.exchange import ExchangeError, import_text
from portal.fees.models import FeeItem, Tariff, TariffVersion

DEMO = json.loads(DATA.read_text(encoding="utf-8"))


def _counts(app):
    with app.app_context():
        return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                     for model in (Tariff, TariffVersion, FeeItem))


def _write(tmp_path, data, name="fees.json"):
    path = tmp_path / name
    # ASCII escapes keep lone surrogates ("\\ud800") writable, as a JSON file may hold them.
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_import_then_export_gives_the_same_data(app, runner, tmp_path):
    result = runner.invoke(args=["fees", "import", _write(tmp_path, DEMO)])
    assert result.exit_code == 0, result.output
    assert "Imported 8 tariffs (9 new versions, 9 published) and 11 fee items." in result.output
    exported = tmp_path / "out.json"
    assert runner.invoke(args=["fees", "export", "-o", str(exported)]).exit_code == 0
    data = json.loads(exported.read_text(encoding="utf-8"))
    zj = next(t for t in data["tariffs"] if t["code"] == "RES-TIER-ZJ")
    assert zj["versions"][0]["tiers"] == ["2760", "4800", None]
    assert zj["versions"][0]["prices"][0] == {"tier": 1, "period": "all", "price": "0.538"}
    assert zj["districts"] == ["CENTRAL", "EAST", "HITECH", "WEST-SUB", "NANLING"]
    by_code = {t["code"]: t["districts"] for t in data["tariffs"]}
    assert by_code["RES-TIER-BJ"] == ["BEISHAN"] and by_code["RES-TOU-ZJ"] == []
    # Importing the export again changes nothing.
    again = runner.invoke(args=["fees", "import", str(exported)])
    assert again.exit_code == 0 and "(0 new versions, 0 published)" in again.output
    assert _counts(app) == (8, 9, 11)
    assert _districts(app) == _districts_in(DEMO)


def _districts(app):
    with app.app_context():
        return {t.code: [d.code for d in t.districts]
                for t in db.session.scalars(sa.select(Tariff))}


def _districts_in(data):
    return {t["code"]: t.get("districts", []) for t in data["tariffs"]}


def test_districts_round_trip_and_a_row_without_them_keeps_them(app, runner, tmp_path):
    changed = copy.deepcopy(DEMO)
    changed["tariffs"][2]["districts"] = ["nanling", "BEISHAN"]  # case as typed, any order
    changed["tariffs"][1]["districts"] = ["CENTRAL"]
    assert runner.invoke(args=["fees", "import", _write(tmp_path, changed)]).exit_code == 0
    stored = _districts(app)
    assert stored["RES-TIER-BJ"] == ["BEISHAN", "NANLING"] and stored["RES-TOU-ZJ"] == ["CENTRAL"]
    exported = tmp_path / "out.json"
    assert runner.invoke(args=["fees", "export", "-o", str(exported)]).exit_code == 0
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert _districts_in(data) == stored
    # A row without "districts" leaves them; an empty list means every district.
    del changed["tariffs"][2]["districts"]
    changed["tariffs"][1]["districts"] = []
    assert runner.invoke(args=["fees", "import", _write(tmp_path, changed)]).exit_code == 0
    stored = _districts(app)
    assert stored["RES-TIER-BJ"] == ["BEISHAN", "NANLING"] and stored["RES-TOU-ZJ"] == []


@pytest.mark.parametrize(("districts", "message"), [
    (["BEISHAN", "ATLANTIS"], "unknown district 'ATLANTIS'; the districts are CENTRAL, EAST, "
                              "HITECH, WEST-SUB, BEISHAN, NANLING"),
    ("BEISHAN", "must be a list of district codes"),
    ([7], "must be a list of district codes"),
])
def test_an_unknown_district_is_refused_with_its_place(app, runner, tmp_path, districts,
                                                       message):
    data = _broken(lambda d: d["tariffs"][2].update(districts=districts))
    result = runner.invoke(args=["fees", "import", _write(tmp_path, data, "bad.json")])
    assert result.exit_code != 0 and "Nothing was imported." in result.output
    assert f"bad.json: $.tariffs[2] (RES-TIER-BJ).districts: {message}" in result.output
    assert _counts(app) == (0, 0, 0)


def _broken(mutate):
    data = copy.deepcopy(DEMO)
    mutate(data)
    return data


@pytest.mark.parametrize(("mutate", "where"), [
    (lambda d: d["tariffs"][2]["versions"][1]["prices"][1].update(price="-0.5"),
     "tariffs[2] (RES-TIER-BJ).versions[1].prices[2][all]"),
    (lambda d: d["tariffs"][0]["versions"][0]["prices"][0].update(price="cheap"),
     "tariffs[0] (RES-TIER-ZJ).versions[0].prices[0].price"),
    (lambda d: d["tariffs"][1]["versions"][0].update(effective_from="2012-07-32"),
     "tariffs[1] (RES-TOU-ZJ).versions[0].effective_from"),
    (lambda d: d["tariffs"][1]["versions"][0]["hours"].pop(),
     "tariffs[1] (RES-TOU-ZJ).versions[0].hours"),
    (lambda d: d["tariffs"][3].update(customer_class="aliens"),
     "tariffs[3] (RES-SHARED-ZJ).customer_class"),
    (lambda d: d["fee_items"][4].update(status="abolished", abolished_on=None),
     "fee_items[4] (TEMP-CONN).abolished_on"),
    (lambda d: d["tariffs"][2]["versions"][1].update(effective_from="2023-06-01"),
     "tariffs[2] (RES-TIER-BJ).versions[1].effective_from"),  # overlaps version 1
    (lambda d: d["fee_items"][2].update(name_en="Bad\x0bname"),
     "fee_items[2] (HIGH-REL).name_en"),  # a control character would break the Atom feed
    (lambda d: d["tariffs"][0].update(name_zh="居民\x01电价"), "tariffs[0] (RES-TIER-ZJ).name_zh"),
    # Longer than the column (PostgreSQL raised DataError), or a lone surrogate that no
    # database can store (UnicodeEncodeError): refused with the field named.
    (lambda d: d["tariffs"][0].update(name_zh="居" * 201), "tariffs[0] (RES-TIER-ZJ).name_zh"),
    (lambda d: d["tariffs"][0].update(name_en="x" * 201), "tariffs[0] (RES-TIER-ZJ).name_en"),
    (lambda d: d["tariffs"][0].update(name_zh="居民\ud800"), "tariffs[0] (RES-TIER-ZJ).name_zh"),
    (lambda d: d["tariffs"][0].update(code="RES-\udfff"), "tariffs[0].code"),
    (lambda d: d["tariffs"][0]["versions"][0]["legal_basis"].update(title="t" * 301),
     "tariffs[0] (RES-TIER-ZJ).versions[0].basis_title"),
    (lambda d: d["tariffs"][0]["versions"][0].update(note_en="\ud800"),
     "tariffs[0] (RES-TIER-ZJ).versions[0].note_en"),
    (lambda d: d["tariffs"][5]["versions"][0]["monthly_charges"][0].update(label_zh="费" * 201),
     "tariffs[5] (GEN-CI-LV).versions[0].monthly_charges[0].label_zh"),
    (lambda d: d["fee_items"][2].update(unit_en="x" * 61), "fee_items[2] (HIGH-REL).unit_en"),
    (lambda d: d["fee_items"][2].update(name_zh="名" * 201), "fee_items[2] (HIGH-REL).name_zh"),
    (lambda d: d["fee_items"][2].update(conditions_zh="\udc80"),
     "fee_items[2] (HIGH-REL).conditions_zh"),
])
def test_one_bad_row_names_file_row_and_field_and_nothing_is_written(app, runner, tmp_path,
                                                                      mutate, where):
    result = runner.invoke(args=["fees", "import", _write(tmp_path, _broken(mutate), "bad.json")])
    assert result.exit_code != 0
    assert "Nothing was imported." in result.output
    assert f"bad.json: $.{where}" in result.output
    assert _counts(app) == (0, 0, 0)


def test_not_json_or_wrong_format(app, runner, tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{not json", encoding="utf-8")
    result = runner.invoke(args=["fees", "import", str(path)])
    assert result.exit_code != 0 and "x.json: not valid JSON (line 1" in result.output
    wrong = runner.invoke(args=["fees", "import", _write(tmp_path, {"format": "other"})])
    assert wrong.exit_code != 0 and "$.format" in wrong.output
    assert _counts(app) == (0, 0, 0)


def test_a_changed_published_version_is_refused(app, runner, tmp_path):
    runner.invoke(args=["fees", "import", _write(tmp_path, DEMO)])
    changed = _broken(lambda d: d["tariffs"][0]["versions"][0]["prices"][0].update(price="0.6"))
    result = runner.invoke(args=["fees", "import", _write(tmp_path, changed, "changed.json")])
    assert result.exit_code != 0 and "published versions cannot be changed" in result.output
    assert _counts(app) == (8, 9, 11)


def test_numbers_keep_their_exact_decimal_value(app, runner, tmp_path):
    data = _broken(lambda d: d["tariffs"][0]["versions"][0]["prices"][0].update(price=0.5381))
    assert runner.invoke(args=["fees", "import", _write(tmp_path, data)]).exit_code == 0
    response = app.test_client().get("/api/v1/tariffs/RES-TIER-ZJ")
    assert response.json["versions"][0]["prices"][0]["price"] == "0.5381"


def test_demo_load_adds_the_fee_standards(app, runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0
    assert "Demo fee standards: 8 tariffs, 9 published versions, 11 fee items." in result.output
    assert _counts(app) == (8, 9, 11)


def test_renaming_a_tariff_checks_the_name_too(app, runner, tmp_path):
    assert runner.invoke(args=["fees", "import", _write(tmp_path, DEMO)]).exit_code == 0
    for name in ("居" * 201, "居民\ud800"):
        renamed = _broken(lambda d, name=name: d["tariffs"][0].update(name_zh=name))
        result = runner.invoke(args=["fees", "import", _write(tmp_path, renamed, "new.json")])
        assert result.exit_code != 0 and "Nothing was imported." in result.output
        assert "new.json: $.tariffs[0] (RES-TIER-ZJ).name_zh: " in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(Tariff.name_zh).where(
            Tariff.code == "RES-TIER-ZJ")) == DEMO["tariffs"][0]["name_zh"]


def test_a_staff_import_dates_what_it_publishes_by_the_import(app, runner, tmp_path):
    assert runner.invoke(args=["fees", "import", _write(tmp_path, DEMO)]).exit_code == 0
    with app.app_context():
        version = db.session.scalars(sa.select(TariffVersion)).first()
        assert version.published_at > utcnow() - timedelta(minutes=5)  # not the file's date


def test_the_demo_keeps_its_documents_dates(app):
    with app.app_context():
        demo.load(utcnow())
        version = db.session.scalar(sa.select(TariffVersion).join(Tariff).where(
            Tariff.code == "RES-TIER-BJ", TariffVersion.number == 2))
        assert version.published_at == datetime(2023, 11, 28, 7, 0, tzinfo=UTC)
        item = db.session.scalar(sa.select(FeeItem).where(FeeItem.code == "TEMP-CONN"))
        assert item.created_at.astimezone(UTC).date() == date(2017, 11, 8)


@pytest.mark.parametrize("stamp, problem", [
    ("2012-06-08", "with its offset"), ("soon", "with its offset"),
    ("2099-01-01T10:00:00+08:00", "must not be in the future")])
def test_a_bad_publication_date_is_refused_with_its_place(app, stamp, problem):
    data = _broken(lambda d: d["tariffs"][1]["versions"][0].update(published_at=stamp))
    with app.app_context(), pytest.raises(ExchangeError) as error:
        import_text(json.dumps(data), "demo.json", None, utcnow(), keep_dates=True)
    assert "demo.json: $.tariffs[1] (RES-TOU-ZJ).versions[0].published_at" in str(error.value)
    assert problem in str(error.value)
