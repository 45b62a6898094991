"""One transaction per request: saved when the view answers below 400, never half-saved."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import abort

from portal.core import transactions
from portal.core.errors import DomainError, report
from portal.demo.models import DemoDataset
from portal.extensions import db


@pytest.fixture
def routes(app):
    """Views that write a row and then answer in different ways; returns what ran after commit."""
    ran: list[str] = []

    def write(name: str) -> None:
        db.session.add(DemoDataset(name=name))
        db.session.flush()
        transactions.after_commit(lambda: ran.append(name))

    @app.get("/t/ok")
    def ok():
        write("ok")
        return "saved"

    @app.get("/t/refused-form")
    def refused_form():
        write("refused-form")
        report(DomainError("No."))
        return "shown again", 200

    @app.get("/t/client-error")
    def client_error():
        write("client-error")
        return "wrong", 400

    @app.get("/t/kept")
    def kept():
        write("kept")
        transactions.keep_despite_refusal()
        return "wrong password", 401

    @app.get("/t/aborted")
    def aborted():
        write("aborted")
        abort(404)

    @app.get("/t/raises")
    def raises():
        write("raises")
        raise RuntimeError("boom")

    @app.get("/t/failing-email")
    def failing_email():
        def broken() -> None:
            raise RuntimeError("the mail template is broken")

        db.session.add(DemoDataset(name="failing-email"))
        transactions.after_commit(broken)
        transactions.after_commit(lambda: ran.append("failing-email"))
        return "saved"

    @app.get("/t/duplicate")
    def duplicate():
        db.session.add(DemoDataset(name="ok"))  # the primary key exists: the commit fails
        return "looks fine"

    return ran


def _saved(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(sa.select(DemoDataset.name)))


@pytest.mark.parametrize(("path", "status", "saved"), [
    ("/t/ok", 200, True), ("/t/refused-form", 200, False), ("/t/client-error", 400, False),
    ("/t/kept", 401, True), ("/t/aborted", 404, False), ("/t/raises", 500, False),
])
def test_saved_only_when_the_answer_allows(app, client, routes, path, status, saved):
    assert client.get(path).status_code == status
    name = path.removeprefix("/t/")
    assert (name in _saved(app)) is saved
    assert (name in routes) is saved  # emails and the like only after a commit


def test_a_failing_commit_is_an_error_page_and_saves_nothing(app, client, routes):
    client.get("/t/ok")
    app.testing = False  # as in production: the error reaches the error page
    response = client.get("/t/duplicate", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert "none of it was saved" in response.get_data(as_text=True)
    assert _saved(app) == {"ok"}


def test_a_refusal_is_shown_to_the_person(app, client, routes):
    client.get("/t/refused-form")
    assert "No." in client.get("/about").get_data(as_text=True)  # the flash message


def test_a_failing_action_after_the_commit_neither_hides_the_save_nor_stops_the_others(
        app, client, routes, caplog):
    app.testing = False
    response = client.get("/t/failing-email")
    assert response.status_code == 200 and response.get_data(as_text=True) == "saved"
    assert "failing-email" in _saved(app) and "failing-email" in routes
    assert "an action after the commit failed" in caplog.text
