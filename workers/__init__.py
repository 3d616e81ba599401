"""RQ job functions and the cron schedule. Workers import hotline services, never the reverse."""
