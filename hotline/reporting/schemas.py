"""Reporting bodies in and figures out: ``GET /api/v1/stats``."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from hotline.reporting.stats import FIGURES


class StatsQuerySchema(ma.Schema):
    from_ = ma.fields.Date(data_key="from", load_default=None)
    to = ma.fields.Date(load_default=None)

    @ma.validates_schema
    def _order(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ma.ValidationError("须不早于 from must not be before 'from'", "to")


# --- out -----------------------------------------------------------------------------------


class FigureSchema(ma.Schema):
    count = ma.fields.Integer()
    rate = ma.fields.Float(allow_none=True)
    of = ma.fields.Integer()


def _figures() -> dict[str, ma.fields.Field]:
    return {name: ma.fields.Nested(FigureSchema) for name in FIGURES}


DepartmentFiguresSchema = ma.Schema.from_dict(
    {"bureau": ma.fields.String(), "name": ma.fields.String(), "name_en": ma.fields.String(), **_figures()},
    name="DepartmentFiguresSchema",
)
TotalFiguresSchema = ma.Schema.from_dict(_figures(), name="TotalFiguresSchema")


class StatsSchema(ma.Schema):
    from_ = ma.fields.Date(data_key="from", attribute="from")
    to = ma.fields.Date()
    timezone = ma.fields.String()
    as_of = ma.fields.AwareDateTime()
    departments = ma.fields.List(ma.fields.Nested(DepartmentFiguresSchema))
    total = ma.fields.Nested(TotalFiguresSchema)
