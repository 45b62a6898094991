"""Work done once, not for every string or every worker: the catalogue is looked up once per
request, and compiled templates are kept for the next worker."""

from __future__ import annotations

import stat

import flask_babel
from flask_babel import force_locale, gettext

from tests.conftest import make_test_app


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
    first = make_test_app(tmp_path, TEMPLATE_CACHE_DIR=str(where))
    assert first.test_client().get("/about").status_code == 200
    assert stat.S_IMODE(where.stat().st_mode) == 0o700
    assert any(where.iterdir())

    second = make_test_app(tmp_path, TEMPLATE_CACHE_DIR=str(where))
    compiled = []
    compile_source = second.jinja_env.compile
    monkeypatch.setattr(second.jinja_env, "compile",
                        lambda *args, **kwargs: compiled.append(args) or compile_source(
                            *args, **kwargs))
    assert second.test_client().get("/about").status_code == 200
    assert compiled == []


def test_the_template_cache_can_be_turned_off(tmp_path):
    app = make_test_app(tmp_path, TEMPLATE_CACHE_DIR="off")
    assert app.jinja_env.bytecode_cache is None
    assert app.test_client().get("/about").status_code == 200
