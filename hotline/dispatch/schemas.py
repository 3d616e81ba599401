"""Ticket bodies in, tickets out, dispatch and rules.

The API bodies refuse unknown fields (422 naming them). The schemas run no query: a route
gives a body schema its code checker (``codes=hotline.dispatch.services.reference_errors``),
which its validator calls beside the field checks, so that one 422 names every bad field at
once; the services check the codes again for every other caller.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import marshmallow as ma
from marshmallow import validate

import hotline.bounds as bounds
from hotline.codes import code_field, code_list
from hotline.models import Channel
from hotline.tracking.schemas import (  # noqa: F401  (re-exported: the ticket bodies are built from them)
    ChildSchema,
    DecisionSchema,
    LocationSchema,
    ReporterSchema,
    SuggestedAssignmentSchema,
    TicketSchema,
)

# An operator logs what came in; `visit` tickets come only from a street office's visit (hotline.children).
CHANNELS = [c.value for c in Channel if c != Channel.VISIT]
DESCRIPTION = validate.Length(min=10, max=5000, error="须为 {min}–{max} 个字符 must be {min} to {max} characters")


# --- pieces of a report (the intake helper builds the public ReportCreateSchema from these) --


CodeChecker = Callable[[Mapping[str, Any]], dict[str, Any]]


class CodesCheckedSchema(ma.Schema):
    """Runs the reference-data check it is given (``codes``) on whatever fields loaded, beside
    the field errors; without one it checks shapes only."""

    def __init__(self, *args: Any, codes: CodeChecker | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.codes = codes

    @ma.validates_schema(skip_on_field_errors=False, pass_original=True)
    def _known_codes(self, data: dict[str, Any], original: Any, **kwargs: Any) -> None:
        if self.codes is None:
            return
        # A list with a bad item loads only its good items, and its errors are keyed by item
        # index: check only lists that loaded whole, so one field never mixes both kinds.
        original = original if isinstance(original, dict) else {}
        checked = {
            name: value
            for name, value in data.items()
            if not isinstance(value, list)
            or (isinstance(original.get(name), list) and len(original[name]) == len(value))
        }
        errors = self.codes(checked)
        if errors:
            raise ma.ValidationError(errors)


class TicketCreateSchema(CodesCheckedSchema):
    """An operator's ticket: a public report plus channel, call_sid, protection types and urgency."""

    description = ma.fields.String(required=True, validate=DESCRIPTION)
    location = ma.fields.Nested(LocationSchema, required=True)
    child = ma.fields.Nested(ChildSchema, load_default=dict)
    protection_types = code_list(
        "protection_types",
        required=True,
        validate=validate.Length(min=1, error="至少选择一种保护类型 at least one protection type is required"),
    )
    subject_categories = code_list("subject_categories", load_default=list)
    urgency = code_field("urgencies", required=True)
    reporter = ma.fields.Nested(ReporterSchema, load_default=dict)
    channel = ma.fields.String(required=True, validate=validate.OneOf(CHANNELS))
    call_sid = ma.fields.String(allow_none=True, validate=validate.Length(max=64))


class PreviewSchema(TicketCreateSchema):
    """A ticket body to preview: every field optional (a draft), but what is given is checked."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class AssignmentRequestSchema(ma.Schema):
    bureau = code_field("departments", required=True)
    role = ma.fields.String(required=True, validate=validate.OneOf(["lead", "assist"]))


class DispatchSchema(ma.Schema):
    """Manual dispatch: exactly these departments. An empty body (or list) means: by the rules."""

    assignments = ma.fields.List(ma.fields.Nested(AssignmentRequestSchema), load_default=None, allow_none=True)


# --- rules -------------------------------------------------------------------------------------


class RulesSchema(ma.Schema):
    version = ma.fields.Integer()
    rules = ma.fields.List(ma.fields.Dict())
    created_at = ma.fields.AwareDateTime(allow_none=True)
    created_by = ma.fields.String(allow_none=True)


class RulesQuerySchema(ma.Schema):
    version = ma.fields.Integer(validate=validate.Range(min=1, max=bounds.MAX_ID))


class RulesUpdateSchema(ma.Schema):
    """``{"rules": [...]}``; ``version`` (as GET returns it) is accepted and ignored, so a GET
    body can be edited and sent back; ``base_version`` asks for a 409 if the rules changed."""

    rules = ma.fields.List(ma.fields.Raw(), required=True)
    version = ma.fields.Raw(load_default=None)
    base_version = ma.fields.Integer(load_default=None, allow_none=True, validate=validate.Range(max=bounds.MAX_ID))
    created_at = ma.fields.Raw(load_default=None)
    created_by = ma.fields.Raw(load_default=None)


class RuleVersionSchema(ma.Schema):
    version = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()
    created_by = ma.fields.String(allow_none=True)
    count = ma.fields.Integer()


class RuleVersionListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(RuleVersionSchema))
