"""gunicorn's access log without anything that identifies a reporter or a child.

The access log would otherwise keep every URL: query strings (``?to=+86…``), tracking codes in
the public look-up's path (``/api/v1/reports/<code>``) and whatever else a client puts in a URL.
This logger writes the path only, with every run of 7 or more digits (tracking codes, secrets,
phone numbers) replaced, and no query string or referrer. ``gunicorn.conf.py`` selects it.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from hotline.redact import redact_path

ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"'


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        path = redact_path(environ.get("PATH_INFO") or "")
        atoms.update(
            U=path,
            q="",
            f="-",
            r=f"{environ.get('REQUEST_METHOD', '-')} {path} {environ.get('SERVER_PROTOCOL', '-')}",
        )
        for key in [k for k in atoms if k.startswith("{")]:  # headers/environ atoms: never the URL
            if "uri" in key.lower() or "query" in key.lower() or "referer" in key.lower():
                atoms[key] = "-"
        return atoms
