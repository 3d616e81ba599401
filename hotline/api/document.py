"""The served OpenAPI document: flask-smorest's, with the reference codes in force as enums."""

from __future__ import annotations

import flask

from hotline.codes import list_codes
from hotline.errors import Api


class DocumentedApi(Api):
    """Every field that takes reference codes (``hotline.codes``) is served with the ``enum`` of
    the codes accepted right now, read from the database on each request for the document."""

    def _openapi_json(self):
        from hotline.dispatch.services import reference

        document = list_codes(self.spec.to_dict(), reference().known())
        return flask.current_app.response_class(
            flask.json.dumps(document, indent=2, sort_keys=False), mimetype="application/json"
        )
