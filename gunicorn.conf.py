"""gunicorn settings read by every gunicorn started from the repository root (the Procfile's
web process): an access log that keeps no query string, tracking code, secret or phone number
(hotline/gunicorn_logging.py)."""

from hotline.gunicorn_logging import ACCESS_LOG_FORMAT

logger_class = "hotline.gunicorn_logging.RedactingLogger"
access_log_format = ACCESS_LOG_FORMAT
accesslog = "-"
