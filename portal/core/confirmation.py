"""Irreversible steps ask first, without JavaScript: a two-step POST.

The first POST of a step that cannot be undone (withdrawing a complaint, rejecting one, later a
committee decision) is checked as usual, then answered with a page that says what will happen
and repeats the form with a hidden ``confirm`` field; only a POST that carries that field with
its value applies the step. A view does::

    match confirmation.answer():
        case Answer.NOT_YET:
            return confirmation.ask(Question(...))           # 200, nothing changed
        case Answer.FORGED:
            return confirmation.ask(Question(...), forged=True)  # 400, nothing changed
    ...apply the step...

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
FORGED_MESSAGE = _l("This confirmation was not understood, so nothing was changed. Read what "
                    "will happen and confirm again with the button below.")


class Answer(enum.Enum):
    """What the POST says about the confirmation."""

    NOT_YET = "not_yet"  # no confirm field: ask
    GIVEN = "given"  # the confirm button was used
    FORGED = "forged"  # a confirm field with another value: ask again, refusing


def answer() -> Answer:
    """Whether the request confirms the step."""
    values = request.form.getlist(FIELD)
    if not values:
        return Answer.NOT_YET
    return Answer.GIVEN if values == [VALUE] else Answer.FORGED


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


def ask(question: Question, *, forged: bool = False) -> tuple[str, int]:
    """The confirmation page; 400 (and the request refused) when the confirmation was forged."""
    if forged:
        transactions.refused()
    body = render_template("confirm.html", question=question, confirm_field=FIELD,
                           confirm_value=VALUE, error=FORGED_MESSAGE if forged else None)
    return body, 400 if forged else 200
