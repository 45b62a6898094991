"""The one table of allowed status changes, and who may make each."""

from __future__ import annotations

from portal.complaints.enums import ActorKind, ComplaintStatus

S, A = ComplaintStatus, ActorKind

# (from, to) -> who may make the change. Escalation when a deadline has passed is checked by
# the service (``escalate``), since it depends on time as well as status.
TRANSITIONS: dict[tuple[ComplaintStatus, ComplaintStatus], frozenset[ActorKind]] = {
    (S.REGISTERED, S.ACCEPTED): frozenset({A.STAFF}),
    (S.REGISTERED, S.REJECTED): frozenset({A.STAFF}),
    (S.ACCEPTED, S.IN_PROGRESS): frozenset({A.STAFF}),
    (S.IN_PROGRESS, S.REPLIED): frozenset({A.STAFF}),
    (S.REOPENED, S.IN_PROGRESS): frozenset({A.STAFF}),
    (S.REPLIED, S.CLOSED): frozenset({A.STAFF, A.COMPLAINANT}),
    (S.REPLIED, S.REOPENED): frozenset({A.COMPLAINANT}),
    (S.CLOSED, S.REOPENED): frozenset({A.COMPLAINANT}),
    (S.REPLIED, S.ESCALATED): frozenset({A.COMPLAINANT}),
    (S.CLOSED, S.ESCALATED): frozenset({A.COMPLAINANT}),
    (S.REJECTED, S.ESCALATED): frozenset({A.COMPLAINANT}),
    (S.REGISTERED, S.ESCALATED): frozenset({A.COMPLAINANT}),
    (S.ACCEPTED, S.ESCALATED): frozenset({A.COMPLAINANT}),
    (S.IN_PROGRESS, S.ESCALATED): frozenset({A.COMPLAINANT}),
    (S.REOPENED, S.ESCALATED): frozenset({A.COMPLAINANT}),
    (S.ESCALATED, S.DECIDED): frozenset({A.COMMITTEE}),
    (S.REGISTERED, S.WITHDRAWN): frozenset({A.COMPLAINANT}),
    (S.ACCEPTED, S.WITHDRAWN): frozenset({A.COMPLAINANT}),
    (S.IN_PROGRESS, S.WITHDRAWN): frozenset({A.COMPLAINANT}),
    (S.REOPENED, S.WITHDRAWN): frozenset({A.COMPLAINANT}),
}
# Reached only by writing a public reply, so that no case is "answered" without an answer.
BY_REPLY_ONLY = frozenset({S.REPLIED})
# Changes that need a reason, which the complainant sees.
REASON_REQUIRED = frozenset({S.REJECTED, S.DECIDED, S.ESCALATED})
# Changes that cannot be undone: the pages ask for a confirmation before making them
# (``portal.core.confirmation``), saying what will happen (``consequences``).
ASK_FIRST = frozenset({S.REJECTED, S.WITHDRAWN, S.DECIDED})
# Escalating an open case is allowed only once a deadline has passed.
ESCALATE_WHEN_OVERDUE = frozenset({S.REGISTERED, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED})


def allowed(current: ComplaintStatus, target: ComplaintStatus, actor: ActorKind) -> bool:
    """Whether ``actor`` may move a case from ``current`` to ``target``."""
    return actor in TRANSITIONS.get((current, target), frozenset())


def next_statuses(current: ComplaintStatus, actor: ActorKind) -> list[ComplaintStatus]:
    """The statuses ``actor`` may choose for a case, in the enum's order."""
    return [status for status in ComplaintStatus
            if allowed(current, status, actor) and status not in BY_REPLY_ONLY]


def final_for(status: ComplaintStatus, actor: ActorKind) -> bool:
    """Whether ``actor`` can never move a case on from ``status``."""
    return not any(source is status and actor in actors
                   for (source, _target), actors in TRANSITIONS.items())
