"""Periodic jobs, declared as data and loaded by ``rq cron`` (run exactly one scheduler)."""

from rq import cron

from hotline.queues import CHASER, NOTIFICATIONS
from workers import jobs

# (function, queue, options): one place to read what runs when.
SCHEDULE = [
    (jobs.sweep_outbox, NOTIFICATIONS, {"interval": 60}),
    (jobs.chase_overdue, CHASER, {"interval": 60}),
    (jobs.send_daily_digest, NOTIFICATIONS, {"cron": "30 23 * * *"}),  # 07:30 Asia/Shanghai
]

for func, queue_name, options in SCHEDULE:
    cron.register(func, queue_name, job_timeout=300, **options)
