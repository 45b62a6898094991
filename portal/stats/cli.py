"""``flask --app portal stats ...``: refresh the figures, audit what is published."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from portal.core import duties
from portal.core.duties_cli import run_and_tell
from portal.core.models import utcnow
from portal.extensions import db
from portal.stats import auditing, figures, refresh, snapshots
from portal.stats.disclosure import ProtectionError
from portal.stats.models import StatsRun, StatsWithheld
from portal.stats.periods import Period

stats_cli = AppGroup("stats", help="Statistics: refresh the published figures, audit them.")


CLOCK_TOLERANCE = timedelta(minutes=15)


def database_now() -> datetime:
    """The database server's clock (on PostgreSQL another machine's, as a second opinion)."""
    found = db.session.scalar(sa.select(sa.func.current_timestamp()))
    if isinstance(found, str):  # SQLite: "YYYY-MM-DD HH:MM:SS", in UTC
        found = datetime.fromisoformat(found)
    assert isinstance(found, datetime)
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def clock_problem(now: datetime) -> str | None:
    """Why this clock cannot be trusted to make months final, or None. A clock ahead would
    publish and freeze months whose cases are still coming in, for good; it shows as a clock
    far from the database's, or as one behind the last refresh (set back after running
    ahead)."""
    theirs = database_now()
    if abs(now - theirs) > CLOCK_TOLERANCE:
        return (f"This machine's clock ({now:%Y-%m-%d %H:%M} UTC) and the database's "
                f"({theirs:%Y-%m-%d %H:%M} UTC) differ by more than 15 minutes: months could be "
                "made final too early. Set the clocks right and run again.")
    last = db.session.scalar(sa.select(sa.func.max(StatsRun.extracted_at)))
    if last is not None and now < last - timedelta(minutes=1):
        return (f"The last refresh ran at {last:%Y-%m-%d %H:%M} UTC, after this machine's "
                f"clock ({now:%Y-%m-%d %H:%M} UTC): a clock that ran ahead may have made months "
                "final too early (see the README, Final months). Set the clock right; "
                "the refresh runs again once it has passed that moment.")
    return None


@duties.duty("stats-refresh", schedule="hourly at :05")
def refresh_figures(now: datetime) -> str:
    """Recompute the statistics of the months not final yet, publish the months that have
    settled and make their snapshots; what was done."""
    started = time.monotonic()
    problem = clock_problem(now)
    if problem:
        raise duties.Refused(problem)
    try:
        run = refresh.refresh(now)
    except ProtectionError as error:
        raise duties.Refused(str(error)) from None
    taken = snapshots.take_due(run, now)
    said = (f"Statistics refreshed: {run.cases} cases, months {run.first_month} to "
            f"{run.last_month}, k = {run.min_cell}; {len(taken)} new snapshots; "
            f"{time.monotonic() - started:.1f} s.")
    withheld = db.session.execute(sa.select(StatsWithheld.table_code, StatsWithheld.period)
                                  .order_by(StatsWithheld.period, StatsWithheld.table_code))
    listed = [f"{code} {period}" for code, period in withheld]
    if listed:
        said += (" Withheld (publishing them would narrow a small count published before): "
                 f"{', '.join(listed)}.")
    return said


@stats_cli.command("refresh")
def stats_refresh() -> None:
    """Recompute the statistics of the months not final yet (run it on a schedule, e.g.
    hourly), publish the months that have settled and make their snapshots (the duty
    ``stats-refresh``: one run at a time on all hosts)."""
    run_and_tell("stats-refresh", now=utcnow())


@stats_cli.command("audit")
@click.option("--period", default="", help="Audit the year of this period (default: every "
              "published year), e.g. 2026 or 2026-Q3.")
def stats_audit(period: str) -> None:
    """Check by linear programming that no suppressed cell can be narrowed to an interval
    smaller than k from the published figures; exit 1 if one can."""
    run = figures.current_run()
    if run is None:
        click.echo("No statistics yet: run `flask --app portal stats refresh` first.", err=True)
        sys.exit(2)
    chosen = Period.parse(period) if period else None
    if period and chosen is None:
        click.echo(f"Not a period: {period!r} (write 2026, 2026-Q3 or 2026-07).", err=True)
        sys.exit(2)
    failed = False
    for year in auditing.years(run, chosen):
        started = time.monotonic()
        result = auditing.audit_year(run, year)
        click.echo(f"{year}: {result.cells} non-zero cells, {result.suppressed} suppressed, "
                   f"{len(result.exposures)} exposed ({time.monotonic() - started:.1f} s).")
        for exposure in result.exposures:
            click.echo(f"  exposed: {exposure}")
        failed = failed or bool(result.exposures)
    if failed:
        sys.exit(1)
    click.echo(f"Audit passed: every suppressed cell's interval is at least k = {run.min_cell}.")
