"""Flask CLI: ``flask --app wsgi users ...`` and ``flask --app wsgi hotline ...``."""

from __future__ import annotations

import signal
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from hotline.errors import DomainError

users_cli = AppGroup("users", help="Staff accounts 用户")
hotline_cli = AppGroup("hotline", help="Hotline operations 热线运维")


@users_cli.command("create")
@click.argument("name")
@click.option("--role", required=True, help="operator|liaison|supervisor|admin")
@click.option("--bureau", default=None, help="department code (required for a liaison)")
@click.option("--phone", default=None, help="E.164 phone number for SMS notifications")
def create_user_command(name: str, role: str, bureau: str | None, phone: str | None) -> None:
    """Create a user; the password is read from standard input (one line)."""
    from hotline.auth.services import create_user

    password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = create_user(name, role, password, bureau=bureau, phone=phone)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"created {user.role} {user.username}" + (f" ({user.bureau})" if user.bureau else ""))


@users_cli.command("disable")
@click.argument("name")
def disable_user_command(name: str) -> None:
    """Switch an account off: its tokens and web sessions stop working at once."""
    _switch_user(name, False)


@users_cli.command("enable")
@click.argument("name")
def enable_user_command(name: str) -> None:
    """Switch an account back on: the user may sign in again (old tokens stay revoked)."""
    _switch_user(name, True)


def _switch_user(name: str, active: bool) -> None:
    from datetime import UTC, datetime

    from hotline.auth.services import set_active_by_name

    try:
        user = set_active_by_name(name, active, datetime.now(UTC))
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"{'enabled' if active else 'disabled'} {user.username}")


@hotline_cli.command("seed")
def seed_command() -> None:
    """Load the reference data (idempotent) and the default dispatch rules if none exist."""
    created = seed_all()
    click.echo("reference data loaded: " + ", ".join(f"{k} +{v}" for k, v in created.items()))


def seed_all() -> dict[str, int]:
    """Reference data, then the default dispatch rules when none exist yet."""
    from hotline.reference.services import seed_reference

    created = seed_reference()
    from hotline.dispatch.services import ensure_default_rules

    created["rules"] = 1 if ensure_default_rules() else 0
    return created


rules_cli = AppGroup("rules", help="Dispatch rules 派单规则 (JSON, for keeping them in version control)")
hotline_cli.add_command(rules_cli)


@rules_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, allow_dash=True))
def export_rules_command(file: str) -> None:
    """Write the rules in force to FILE as JSON ("-" for standard output)."""
    import json

    from hotline.dispatch.services import export_rules

    payload = export_rules()
    text = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    with click.open_file(file, "w", encoding="utf-8") as fh:
        fh.write(text)
    if file != "-":
        click.echo(f"exported rules version {payload['version']} ({len(payload['rules'])} rules) to {file}")


@rules_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, allow_dash=True))
def import_rules_command(file: str) -> None:
    """Validate the rules in FILE (JSON) and store them as the next version."""
    import json
    from datetime import UTC, datetime

    from hotline.dispatch.services import import_rules

    try:
        with click.open_file(file, "r", encoding="utf-8") as fh:
            payload = json.load(fh)
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read rules from {file}: {exc}") from exc
    try:
        version, changed = import_rules(payload, now=datetime.now(UTC))
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    if changed:
        click.echo(f"imported rules as version {version}")
    else:
        click.echo(f"rules unchanged; version {version} stays in force")


@hotline_cli.command("check")
def check_command() -> None:
    """Print one line per set-up warning (what would let a notice reach nobody); always exits 0."""
    from datetime import UTC, datetime

    from hotline.settings import current_settings
    from hotline.setup.checks import setup_warnings

    warnings = setup_warnings(datetime.now(UTC), settings=current_settings())
    for warning in warnings:
        click.echo(f"{warning['code']}: {warning['message']}")
    click.echo(f"{len(warnings)} set-up warnings", err=True)


@hotline_cli.command("worker")
@click.option("--burst", is_flag=True, help="exit when the queues are empty")
def worker_command(burst: bool) -> None:
    """Run an RQ worker (with the scheduler) on every hotline queue."""
    from hotline.worker import run_worker

    run_worker(current_app._get_current_object(), burst=burst)


@hotline_cli.command("cron")
def cron_command() -> None:
    """Run RQ's cron scheduler with the schedule in workers/schedule.py (run exactly one)."""
    from hotline.worker import run_cron

    run_cron(current_app._get_current_object())


@hotline_cli.command("embedded-redis")
def embedded_redis_command() -> None:
    """Keep the embedded Redis running while `make run` runs (idle when REDIS_URL is set)."""
    from hotline.queues import embedded_socket, ensure_embedded_redis, stop_embedded_redis

    app = current_app._get_current_object()
    stop = {"now": False}

    def _stop(signum, frame):
        stop["now"] = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    if app.config["REDIS_URL"]:
        click.echo(f"using external Redis {app.config['REDIS_URL'].split('@')[-1]}; nothing to run")
        while not stop["now"]:
            signal.pause()
        return
    proc = ensure_embedded_redis(app.instance_path, foreground=True)
    click.echo(f"embedded Redis on {embedded_socket(app.instance_path)}")
    while not stop["now"]:
        if proc is not None and proc.poll() is not None:
            raise click.ClickException("embedded Redis exited")
        signal.signal(signal.SIGALRM, lambda *a: None)
        signal.alarm(2)
        signal.pause()
    # Whoever started the server (this process, or the web or worker as a daemon a moment
    # earlier), it ends with `make run`: once the others have let go of it, so that none of
    # them loses its connection mid-shutdown and prints a traceback.
    stop_embedded_redis(app.instance_path, wait_seconds=3.5)  # honcho kills after 5 s
    if proc is not None:
        proc.wait(timeout=10)
    click.echo("embedded Redis stopped")
