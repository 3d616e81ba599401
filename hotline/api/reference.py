"""GET /api/v1/reference: the code lists, public."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from hotline.reference.services import reference_lists

blp = Blueprint("api_reference", __name__, url_prefix="/api/v1", description="Reference data 参考数据")


@blp.route("/reference")
class Reference(MethodView):
    def get(self):
        """Protection types, subject categories, urgencies, streets and departments."""
        return reference_lists()
