"""The users and demo commands."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.accounts.models import User
from portal.extensions import db


def _users(app):
    with app.app_context():
        return {user.username: user for user in db.session.scalars(sa.select(User))}


def test_create_list_disable_enable(app, runner):
    result = runner.invoke(args=["users", "create", "Carol", "--role", "committee",
                                 "--name", "Carol C."])
    assert result.exit_code == 0, result.output
    assert re.search(r"Password: \S{16,}", result.output)
    users = _users(app)
    assert users["carol"].role.value == "committee" and not users["carol"].totp_enabled
    listing = runner.invoke(args=["users", "list"]).output
    assert "carol" in listing and "committee" in listing and "no-totp" in listing
    assert runner.invoke(args=["users", "disable", "carol"]).exit_code == 0
    assert "disabled" in runner.invoke(args=["users", "list"]).output
    assert runner.invoke(args=["users", "enable", "carol"]).exit_code == 0
    assert "active" in runner.invoke(args=["users", "list"]).output


def test_create_refuses_bad_input_and_writes_nothing(app, runner):
    runner.invoke(args=["users", "create", "dave", "--role", "staff"])
    duplicate = runner.invoke(args=["users", "create", "DAVE", "--role", "admin"])
    assert duplicate.exit_code != 0 and "该用户名已有人使用" in duplicate.output
    bad_role = runner.invoke(args=["users", "create", "erin", "--role", "king"])
    assert bad_role.exit_code != 0
    bad_name = runner.invoke(args=["users", "create", "-x y", "--role", "staff"])
    assert bad_name.exit_code != 0
    short = runner.invoke(args=["users", "create", "fay", "--role", "staff",
                                "--prompt-password"], input="short\nshort\n")
    assert short.exit_code != 0 and "12" in short.output  # messages in the default language
    assert set(_users(app)) == {"dave"}


def test_unknown_user_is_an_error(runner):
    for command in ("disable", "enable", "reset-password", "totp"):
        result = runner.invoke(args=["users", command, "ghost"])
        assert result.exit_code != 0 and "No account named 'ghost'" in result.output


def test_reset_password_unlocks_and_can_reset_totp(app, runner, make_user):
    make_user(failed_logins=3)
    result = runner.invoke(args=["users", "reset-password", "alice", "--reset-totp"])
    assert result.exit_code == 0 and "TOTP reset" in result.output
    user = _users(app)["alice"]
    assert user.failed_logins == 0 and not user.totp_enabled


def test_totp_prints_a_code_that_logs_in(app, runner, make_user, auth):
    make_user()
    code = runner.invoke(args=["users", "totp", "alice"]).output.strip()
    assert re.fullmatch(r"\d{6}", code)
    assert auth.login(code=code).status_code == 302


def test_demo_load_creates_one_account_of_each_role_and_is_idempotent(app, runner, auth):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    passwords = dict(re.findall(r"(demo-[\w-]+)\s+role=\w+\s+password=(\S+)", result.output))
    # and the committee demo's accounts of members, past and present
    members = {"demo-vice-chair", "demo-member", "demo-past-chair", "demo-past-vice-chair"}
    assert set(passwords) == {"demo-admin", "demo-staff", "demo-committee"} | members
    assert "totp-secret=" in result.output
    assert {user.role.value for user in _users(app).values()} == {"admin", "staff", "committee"}
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0 and "already loaded" in again.output
    assert len(_users(app)) == 7
    code = runner.invoke(args=["users", "totp", "demo-admin"]).output.strip()
    assert auth.login("demo-admin", passwords["demo-admin"], code).status_code == 302


def test_demo_load_refuses_a_database_with_real_data(app, runner, make_user):
    make_user("real-person")
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code != 0 and "not demo data" in result.output
    assert set(_users(app)) == {"real-person"}
    skipped = runner.invoke(args=["demo", "load", "--skip-if-real"])
    assert skipped.exit_code == 0 and "not loaded" in skipped.output


def test_commands_run_what_waits_for_their_commit(app, runner, make_user, monkeypatch):
    from portal.accounts import services
    from portal.core import transactions

    ran = []
    disable = services.disable_user

    def disable_and_announce(user, now):
        disable(user, now)
        transactions.after_commit(lambda: ran.append(user.username))

    monkeypatch.setattr(services, "disable_user", disable_and_announce)
    make_user()
    assert runner.invoke(args=["users", "disable", "alice"]).exit_code == 0
    assert ran == ["alice"]
