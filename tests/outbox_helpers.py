"""The send job's service call as the job makes it (settings, sender and queue from the app)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from hotline import send_queue
from hotline.notify.senders import get_sender
from hotline.notify.services import send_message
from hotline.settings import current_settings


def send(message_id: int, now: datetime) -> str:
    return send_message(
        message_id, now, settings=current_settings(), sender=get_sender(current_app), queue=send_queue(current_app)
    )
