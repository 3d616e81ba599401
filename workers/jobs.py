"""RQ jobs. Each takes ids (never objects), calls one service, and is safe to run twice."""

from __future__ import annotations

from datetime import UTC, datetime

from workers.app import with_app


@with_app
def send_message(message_id: int) -> str:
    from flask import current_app

    from hotline import send_queue
    from hotline.notify.senders import get_sender
    from hotline.notify.services import send_message as send
    from hotline.settings import current_settings

    return send(
        message_id,
        datetime.now(UTC),
        settings=current_settings(),
        sender=get_sender(current_app),
        queue=send_queue(current_app),
    )


@with_app
def sweep_outbox() -> int:
    from flask import current_app

    from hotline import send_queue
    from hotline.notify.services import sweep_outbox as sweep

    return sweep(datetime.now(UTC), queue=send_queue(current_app))


@with_app
def chase_overdue() -> str:
    from hotline.escalation.chaser import chase_overdue as chase
    from hotline.settings import current_settings

    return chase(datetime.now(UTC), tz=current_settings().timezone).summary()


@with_app
def run_retention() -> str:
    from flask import current_app

    from hotline.intake.recordings import twilio_client
    from hotline.retention.services import run_retention as retention
    from hotline.retention.services import summary_line
    from hotline.settings import current_settings

    days = current_settings().retention_days
    return summary_line(retention(datetime.now(UTC), days=days, recordings=twilio_client(current_app)))


@with_app
def send_daily_digest() -> int:
    from hotline.escalation.chaser import send_daily_digest as digest
    from hotline.settings import current_settings

    return digest(datetime.now(UTC), tz=current_settings().timezone)
