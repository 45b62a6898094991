"""One transaction per request: services only flush; the request commits once, at its end.

A view's work is committed after the view returned a response below 400, and rolled back if
the view raised, answered 400 or more, or reported a refusal (``refused()``). Two requests need
the opposite: records of a refusal (failed logins, failed look-ups) must be kept although the
answer is 401 or 429, so such a view calls ``keep_despite_refusal()``.

Side effects that must not happen unless the data is saved are handed to ``after_commit`` and
run only once the commit succeeded (emails are background jobs, ``portal.core.jobs``, handed
on that way). The transparency log's checkpoints are
not such a side effect: they are signed inside the publishing transaction (a ``before_commit``
hook), so that entries and their checkpoint are saved together or not at all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, g, has_request_context
from werkzeug.wrappers import Response

from portal.extensions import db

AFTER_COMMIT = "portal.after_commit"
logger = logging.getLogger("portal.transactions")


def after_commit(action: Callable[[], Any]) -> None:
    """Run ``action`` after the current transaction is committed (never if it is rolled back)."""
    db.session.info.setdefault(AFTER_COMMIT, []).append(action)


def refused() -> None:
    """The request's changes must not be saved although its answer is 2xx (a form shown again)."""
    g.portal_refused = True


def keep_despite_refusal() -> None:
    """Save the request's changes although the answer refuses (4xx): a failure count, say."""
    g.portal_keep = True


def commit() -> None:
    """Commit the session, then run the side effects waiting for it.

    The data is saved by then: a failing side effect (an email that cannot be written) is
    logged and the others still run, so the answer never says that nothing was saved.
    """
    db.session.commit()
    for action in db.session.info.pop(AFTER_COMMIT, []):
        try:
            action()
        except Exception:
            logger.exception("an action after the commit failed: %s",
                             getattr(action, "__qualname__", type(action).__name__))


def rollback() -> None:
    """Roll the session back and forget the side effects waiting for a commit."""
    db.session.info.pop(AFTER_COMMIT, None)
    db.session.rollback()


def finish(response: Response) -> None:
    """Commit or roll back the request's work, as its response says."""
    keep = g.pop("portal_keep", False)
    refused_ = g.pop("portal_refused", False)
    if keep or (response.status_code < 400 and not refused_):
        commit()
    else:
        rollback()


class TransactionalFlask(Flask):
    """Flask whose views run in one transaction, ended as soon as the view has answered.

    The commit happens inside ``dispatch_request`` so that a failing commit (a lost
    connection, a broken constraint) reaches the portal's error handlers like any other error.
    """

    def dispatch_request(self) -> Any:
        response = self.make_response(super().dispatch_request())
        if has_request_context():
            finish(response)
        return response
