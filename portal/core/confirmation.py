"""Irreversible steps ask first, without JavaScript: a two-step POST.

The first POST of a step that cannot be undone (withdrawing a complaint, rejecting one, later a
committee decision) is checked as usual, then answered with a page that says what will happen
and repeats the form with a hidden ``confirm`` field; only a POST that carries that field with
its value applies the step. A view does::

    reply = confirmation.answer(state=complaint.status.value)
    if reply is not Answer.GIVEN:
        return confirmation.ask(Question(..., state=complaint.status.value), reply)
    ...apply the step...

``ask`` answers 200 when it asks, 400 for a forged confirmation and 409 when the record changed
between the question and the answer (``state``: what the page showed, e.g. the case's status,
sent back with the confirmation): the person confirmed what they saw, so they are asked again
about what is there now. Nothing is changed in any of these cases.

Cancelling is a plain link back to the page the step came from.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import render_template, request
from flask_babel import lazy_gettext as _l

from portal.core import transactions

FIELD = "confirm"
VALUE = "yes"
STATE_FIELD = "seen"
FORGED_MESSAGE = _l("This confirmation was not understood, so nothing was changed. Read what "
                    "will happen and confirm again with the button below.")
CHANGED_MESSAGE = _l("What you are confirming changed while this page was open, so nothing was "
                     "done. Read what will happen now and confirm again if you still want to.")


class Answer(enum.Enum):
    """What the POST says about the confirmation."""

    NOT_YET = "not_yet"  # no confirm field: ask
    GIVEN = "given"  # the confirm button was used
    FORGED = "forged"  # a confirm field with another value: ask again, refusing
    CHANGED = "changed"  # confirmed, but the record is no longer as the page showed it


def answer(state: str = "") -> Answer:
    """Whether the request confirms the step, for the record as it is now (``state``)."""
    values = request.form.getlist(FIELD)
    if not values:
        return Answer.NOT_YET
    if values != [VALUE]:
        return Answer.FORGED
    return Answer.GIVEN if request.form.get(STATE_FIELD, "") == state else Answer.CHANGED


@dataclass(frozen=True)
class Question:
    """The confirmation page: what the step is, what it will do, and the two ways out."""

    title: str  # the page's heading, a question: "Withdraw complaint TS-2026-000123?"
    consequences: Sequence[str]  # what will happen, one sentence each
    action: str  # where the confirm button sends the form
    confirm_label: str  # "Yes, withdraw the complaint"
    cancel_url: str  # back to where the step was started
    cancel_label: str
    # Fields sent again with the confirmation, exactly as the person gave them.
    carry: Mapping[str, str] = field(default_factory=dict)
    # What the step is about, shown as a list of (label, value): the case, the reason...
    facts: Sequence[tuple[str, Any]] = ()
    # Words of the title kept on one line (a tracking number), which a phone would break.
    unbroken: Sequence[str] = ()
    # What the page shows of the record (e.g. the case's status), sent back with the answer.
    state: str = ""


def ask(question: Question, reply: Answer = Answer.NOT_YET) -> tuple[str, int]:
    """The confirmation page: 200 when asking, 400 for a forged confirmation, 409 when the
    record changed since the question (the request refused in both)."""
    status, error = {Answer.FORGED: (400, FORGED_MESSAGE),
                     Answer.CHANGED: (409, CHANGED_MESSAGE)}.get(reply, (200, None))
    if error is not None:
        transactions.refused()
    body = render_template("confirm.html", question=question, confirm_field=FIELD,
                           confirm_value=VALUE, state_field=STATE_FIELD, error=error)
    return body, status
