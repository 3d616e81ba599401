"""CLI of the chaser and of operations: ``flask --app wsgi hotline chase-overdue|departments|requeue-failed``."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup

from hotline.errors import DomainError

departments_cli = AppGroup("departments", help="Department contacts 部门联系人")


def parse_moment(text: str | None) -> datetime:
    """ISO 8601; without an offset the time is HOTLINE_TIMEZONE local; None = now."""
    if not text:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO 8601 time: {text!r}", param_hint="--at") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(current_app.config["HOTLINE_TIMEZONE"]))
    return moment.astimezone(UTC)


@click.command("chase-overdue")
@click.option("--at", "at", default=None, metavar="ISO8601", help="chase as if it were this time (default: now)")
@click.option("--batch-size", default=None, type=click.IntRange(1, 10000), help="assignments claimed per transaction")
def chase_overdue_command(at: str | None, batch_size: int | None) -> None:
    """One pass of the overdue chaser (the same code the cron job runs); prints one line."""
    from hotline.escalation.chaser import BATCH_SIZE, chase_overdue
    from hotline.settings import current_settings

    click.echo(
        chase_overdue(parse_moment(at), batch_size=batch_size or BATCH_SIZE, tz=current_settings().timezone).summary()
    )


@departments_cli.command("set-contact")
@click.argument("code")
@click.option("--head", "heads", multiple=True, metavar="PHONE", help="head of department phone (repeat for several)")
@click.option("--liaison", "liaisons", multiple=True, metavar="PHONE", help="liaison phone (repeat for several)")
def set_contact_command(code: str, heads: tuple[str, ...], liaisons: tuple[str, ...]) -> None:
    """Set a department's head and/or liaison phones (each option given replaces that list)."""
    from hotline.notify.contacts import set_department_contacts

    try:
        department = set_department_contacts(code, list(heads) or None, list(liaisons) or None)
    except DomainError as exc:
        detail = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in (exc.errors or {}).items())
        raise click.ClickException(exc.message + (f" ({detail})" if detail else "")) from exc
    click.echo(
        f"{department.code}: heads {', '.join(department.head_phones) or '-'}; "
        f"liaisons {', '.join(department.liaison_phones) or '-'}"
    )


@departments_cli.command("show")
@click.argument("code")
def show_contact_command(code: str) -> None:
    """Show a department's contact phones."""
    from hotline.notify.contacts import department_contacts

    try:
        department = department_contacts(code)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(
        f"{department.code} {department.name}: heads {', '.join(department.head_phones) or '-'}; "
        f"liaisons {', '.join(department.liaison_phones) or '-'}"
    )


@click.command("requeue-failed")
@click.option("--dry-run", is_flag=True, help="list the failed jobs without requeueing them")
def requeue_failed_command(dry_run: bool) -> None:
    """List failed RQ jobs and put them back on their queues."""
    from hotline.operations import requeue_failed

    jobs = requeue_failed(dry_run=dry_run)
    for job in jobs:
        click.echo(f"{job.id}\t{job.queue}\t{job.func}\t{job.failed_at or '-'}\t{job.error or '-'}")
    verb = "would requeue" if dry_run else "requeued"
    click.echo(f"{verb} {len(jobs)} failed job(s)")


@click.command("retention")
@click.option("--at", "at", default=None, metavar="ISO8601", help="as if it were this time (default: now)")
@click.option("--dry-run", is_flag=True, help="count what would be pseudonymised; change nothing")
def retention_command(at: str | None, dry_run: bool) -> None:
    """Pseudonymise tickets closed or cancelled more than HOTLINE_RETENTION_DAYS before --at
    (the same code the daily cron job runs); prints one line."""
    from flask import current_app

    from hotline.intake.recordings import twilio_client
    from hotline.retention.services import run_retention, summary_line
    from hotline.settings import current_settings

    days, client = current_settings().retention_days, twilio_client(current_app)
    click.echo(
        summary_line(
            run_retention(parse_moment(at), days=days, recordings=client, dry_run=dry_run, now=datetime.now(UTC))
        )
    )


def register(group: click.Group) -> None:
    for command in (chase_overdue_command, departments_cli, requeue_failed_command, retention_command):
        group.add_command(command)
