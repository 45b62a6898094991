"""``flask --app portal duties ...``: run a scheduled duty, list them with their last runs."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from portal.core import duties
from portal.core.duty_models import DutyRecord
from portal.core.models import utcnow
from portal.extensions import db

logger = logging.getLogger("portal.duties")
duties_cli = AppGroup("duties", help="Scheduled duties: run one (from a timer), list them.")


@duties_cli.command("run")
@click.argument("name")
@click.option("--force", is_flag=True, help="Do a daily duty again although today's is done.")
@with_appcontext
def run(name: str, force: bool) -> None:
    """Run the duty NAME (safe twice, and on every host at once)."""
    if name not in duties.DUTIES:
        raise click.BadParameter(f"no such duty; the duties: {', '.join(sorted(duties.DUTIES))}",
                                 param_hint="NAME")
    run_and_tell(name, force)


def run_and_tell(name: str, force: bool = False, now: datetime | None = None) -> None:
    """Run a duty from a command (at ``now``, default the clock's), and say how it went (exit
    1 if it failed)."""
    try:
        outcome = duties.run(name, now or utcnow(), force=force)
    except duties.Busy as held:
        click.echo(f"{name}: another process is running it ({held}); nothing done. If that "
                   f"process is gone: flask --app portal duties release {name}")
        return
    except duties.DoneToday:
        click.echo(f"{name}: already done today; nothing done (--force to do it again).")
        return
    except duties.Refused as error:
        raise click.ClickException(str(error)) from None
    except Exception as error:
        logger.error("duty %s failed: %s", name, type(error).__name__)
        raise click.ClickException(f"{name} failed ({type(error).__name__}). Running it "
                                   "again finishes the work.") from error
    click.echo(f"{name}: {outcome}")


@duties_cli.command("release")
@click.argument("name")
@with_appcontext
def release(name: str) -> None:
    """Let go of the duty NAME held by a process that is gone (killed on another host); its
    next run then starts at once instead of when the hold ends."""
    if name not in duties.DUTIES:
        raise click.BadParameter(f"no such duty; the duties: {', '.join(sorted(duties.DUTIES))}",
                                 param_hint="NAME")
    said = "let go" if duties.release(name) else "was not held"
    click.echo(f"{name}: {said}.")


@duties_cli.command("list")
@with_appcontext
def list_duties() -> None:
    """Each duty, its schedule, and how its last run went."""
    records = {record.name: record for record in db.session.scalars(sa.select(DutyRecord))}
    zone = ZoneInfo(str(current_app.config["TIMEZONE"]))

    def local(moment: datetime) -> str:
        return f"{moment.astimezone(zone):%Y-%m-%d %H:%M} {zone.key}"
    for name, duty in sorted(duties.DUTIES.items()):
        record = records.get(name)
        finished = record.last_finished_at if record else None
        failed = record.last_failed_at if record else None
        line = [name, f"{duty.schedule} ({zone.key})",
                f"last done {local(finished)}" if finished else "never done"]
        if record and failed and (finished is None or failed > finished):
            line.append(f"FAILED {local(failed)} ({record.last_error})")
        if record and record.holder:
            line.append(f"running on {record.holder}")
        click.echo("\t".join(line))
