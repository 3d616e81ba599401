"""gunicorn settings read from the repository root (the Procfile's web process passes ``--config``).

An access log that keeps no query string, tracking code, secret or phone number
(hotline/gunicorn_logging.py).

A too-long URL must be answered in the API's error shape, not gunicorn's HTML page. gunicorn
refuses a request line above ``limit_request_line`` before the app sees anything, so: the
limit is raised to gunicorn's largest bounded value (8190; 0 would be unlimited, and let one
client hold a worker's memory); the app answers URLs above ``hotline.bounds.MAX_URL_BYTES``
(4094) itself (JSON on /api, a page elsewhere); and the rare line longer still gets a JSON 414
from gunicorn too, since by then no path can be read to pick a format.
"""

import json
import os

from gunicorn import util

from hotline.gunicorn_logging import ACCESS_LOG_FORMAT

logger_class = "hotline.gunicorn_logging.RedactingLogger"
access_log_format = ACCESS_LOG_FORMAT
accesslog = "-"

limit_request_line = 8190

# The app loaded by these workers serves requests only: no Flask-Migrate/Alembic (hotline.config).
os.environ["HOTLINE_WEB_PROCESS"] = "1"

_write_error = util.write_error


def _write_error_json_414(sock, status_int, reason, mesg):
    if status_int != 414:
        return _write_error(sock, status_int, reason, mesg)
    body = json.dumps({"code": 414, "status": "Request URI Too Long", "message": "URL 过长 the URL is too long"})
    data = body.encode()
    head = (
        f"HTTP/1.1 414 {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin1") + data)


util.write_error = _write_error_json_414
