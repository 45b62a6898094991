"""Work done once, not for every string or every worker: the catalogue is looked up once per
request, and compiled templates are kept for the next worker."""

from __future__ import annotations

import shutil
import stat

import flask_babel
from flask_babel import force_locale, gettext

from tests.conftest import make_test_app
from tests.fees.conftest import demo_fees  # noqa: F401  (fixture)


def _count_lookups(monkeypatch):
    seen = []
    lookup = flask_babel.Domain.get_translations

    def counted(self):
        seen.append(1)
        return lookup(self)

    monkeypatch.setattr(flask_babel.Domain, "get_translations", counted)
    return seen


def test_a_page_looks_its_catalogue_up_once(client, monkeypatch):
    seen = _count_lookups(monkeypatch)
    page = client.get("/about", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "Open Power Service" in page.get_data(as_text=True)
    assert len(seen) == 1


def test_another_language_inside_a_request_gets_its_own_catalogue(app):
    with app.test_request_context("/?lang=en"):
        assert gettext("Fee standards") == "Fee standards"
        with force_locale("zh_Hans_CN"):  # an email in the complainant's language
            assert gettext("Fee standards") == "收费标准"
        assert gettext("Fee standards") == "Fee standards"


def test_compiled_templates_are_kept_for_the_next_worker(tmp_path, monkeypatch):
    where = tmp_path / "compiled"
    where.mkdir()
    (where / "portal-0123456789ab-older-build.cache").write_bytes(b"compiled by another build")
    first = make_test_app(tmp_path, TEMPLATE_CACHE_DIR=str(where))
    assert not (where / "portal-0123456789ab-older-build.cache").exists()
    assert first.test_client().get("/about").status_code == 200
    assert any(where.iterdir())

    second = make_test_app(tmp_path, TEMPLATE_CACHE_DIR=str(where))
    compiled = []
    compile_source = second.jinja_env.compile
    monkeypatch.setattr(second.jinja_env, "compile",
                        lambda *args, **kwargs: compiled.append(args) or compile_source(
                            *args, **kwargs))
    assert second.test_client().get("/about").status_code == 200
    assert compiled == []


def test_the_template_cache_is_the_portals_own(tmp_path):
    where = tmp_path / "compiled"
    make_test_app(tmp_path, TEMPLATE_CACHE_DIR=str(where))
    assert stat.S_IMODE(where.stat().st_mode) == 0o700


def test_the_template_cache_can_be_turned_off(tmp_path):
    app = make_test_app(tmp_path, TEMPLATE_CACHE_DIR="off")
    assert app.jinja_env.bytecode_cache is None
    assert app.test_client().get("/about").status_code == 200


def test_a_filter_on_a_constant_follows_each_pages_language(app):
    """Compiled while a Chinese page is rendered, then rendered for an English one."""
    with app.test_request_context("/?lang=zh_Hans_CN"):
        template = app.jinja_env.from_string('{{ "年累计电量" | marked }} {{ 1234.5 | money }}')
        chinese = template.render()
    with app.test_request_context("/?lang=en"):
        english = template.render()
    assert "<span" not in chinese
    assert english.startswith('<span lang="zh-Hans">年累计电量</span>')


def test_a_page_compiled_in_one_language_is_right_in_the_other(client, demo_fees):  # noqa: F811
    client.get("/fees/check?tariff=RES-TOU-ZJ&lang=zh_Hans_CN")
    page = client.get("/fees/check?tariff=RES-TOU-ZJ&lang=en").get_data(as_text=True)
    assert 'Printed on the bill as <span lang="zh-Hans">年累计电量</span>' in page


def test_a_template_cache_gone_or_full_only_slows_pages_down(tmp_path):
    where = tmp_path / "compiled"
    app = make_test_app(tmp_path, TEMPLATE_CACHE_DIR=str(where))
    client = app.test_client()
    assert client.get("/about").status_code == 200
    shutil.rmtree(where)  # a tmp cleaner, a full disk
    assert client.get("/committee/").status_code == 200
    assert client.get("/complaints/new").status_code == 200


def test_a_template_cache_others_may_write_to_is_made_the_portals_own(tmp_path):
    where = tmp_path / "compiled"
    where.mkdir()
    where.chmod(0o777)
    make_test_app(tmp_path, TEMPLATE_CACHE_DIR=str(where))
    assert stat.S_IMODE(where.stat().st_mode) == 0o700
