"""Periodic jobs, declared as data and loaded by ``rq cron`` (run exactly one scheduler).

rq cron reads cron strings in UTC, while the digest is due at 07:30 *local* time
(HOTLINE_TIMEZONE, configurable as ``digest_at``): so it is asked every minute, and the
service decides. It does nothing before 07:30 local, and the first call after writes the
``digest_runs`` row for that local date (unique) with its messages, so it goes out once a
day even with several schedulers, a restart or a slow queue.
"""

from rq import cron

from hotline.queues import CHASER, SWEEP
from workers import jobs

# (function, queue, options): one place to read what runs when.
SCHEDULE = [
    (jobs.sweep_outbox, SWEEP, {"interval": 60}),
    (jobs.chase_overdue, CHASER, {"interval": 60}),
    (jobs.send_daily_digest, CHASER, {"interval": 60}),
    # Daily at 03:00 Asia/Shanghai (19:00 UTC): pseudonymise what passed HOTLINE_RETENTION_DAYS.
    (jobs.run_retention, CHASER, {"cron": "0 19 * * *"}),
]

for func, queue_name, options in SCHEDULE:
    cron.register(func, queue_name, job_timeout=options.pop("job_timeout", 300), **options)
