"""``flask --app portal data-key new|rotate`` re-encrypts every domain's values, or none."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.complaints.models import Complaint
from portal.core import protection
from portal.extensions import db
from tests.complaints.conftest import file_complaint  # noqa: F401  (a fixture)
from tests.conftest import TEST_DATA_KEY


@pytest.mark.parametrize(("new", "rotate"), [(["data-key", "new"], ["data-key", "rotate"]),
                                             (["complaints", "new-key"],
                                              ["complaints", "rotate-key"])])
def test_rotation_covers_contact_details_and_second_factor_secrets(
        app, runner, make_user, file_complaint, new, rotate):  # noqa: F811
    make_user()  # enrolled: an encrypted TOTP secret
    file_complaint(contact_phone="13812345678")
    new_key = runner.invoke(args=new).output.strip()
    app.config["DATA_KEY"] = f"{new_key},{TEST_DATA_KEY}"
    result = runner.invoke(args=rotate)
    assert result.exit_code == 0 and "Re-encrypted 2 values" in result.output
    app.config["DATA_KEY"] = new_key  # the old key is gone: everything must read with the new
    with app.app_context():
        assert protection.decrypt(db.session.scalar(sa.select(Complaint)).contact_phone_enc
                                  ) == "13812345678"
        assert protection.decrypt(db.session.scalar(sa.select(User)).totp_secret)


def test_a_value_no_key_opens_changes_nothing(app, runner, make_user, file_complaint):  # noqa: F811
    make_user()
    file_complaint(contact_phone="13812345678")
    with app.app_context():
        before = db.session.scalar(sa.select(User.totp_secret))
    app.config["DATA_KEY"] = runner.invoke(args=["data-key", "new"]).output.strip()
    refused = runner.invoke(args=["data-key", "rotate"])
    assert refused.exit_code != 0 and "nothing was changed" in refused.output
    with app.app_context():
        assert db.session.scalar(sa.select(User.totp_secret)) == before
