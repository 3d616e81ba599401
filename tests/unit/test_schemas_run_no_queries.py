"""Schemas are pure: loading a body runs no query; the code check is the one a route gives them."""

from __future__ import annotations

import marshmallow as ma
import pytest

from hotline.dispatch.schemas import PreviewSchema, TicketCreateSchema
from hotline.intake.schemas import ReportCreateSchema, TicketPatchSchema
from tests.factories_dispatch import ticket_body

BODY = ticket_body(urgency="someday", description="太短")


@pytest.mark.parametrize("schema", [TicketCreateSchema, TicketPatchSchema, PreviewSchema])
def test_without_a_code_checker_a_body_schema_checks_shapes_only_and_needs_no_database(schema):
    # No app, no database: a query would fail here.
    with pytest.raises(ma.ValidationError) as refused:
        schema().load(BODY if schema is not TicketPatchSchema else {"description": "太短", "urgency": "someday"})
    assert "description" in refused.value.messages and "urgency" not in refused.value.messages


def test_the_checker_a_route_gives_is_asked_beside_the_field_checks():
    asked = []

    def codes(data):
        asked.append(dict(data))
        return {"urgency": ["unknown urgency 'someday'"]}

    with pytest.raises(ma.ValidationError) as refused:
        ReportCreateSchema(codes=codes).load({"description": "太短", "urgency": "someday", "location": {}})
    assert {"description", "urgency"} <= set(refused.value.messages)
    assert asked and asked[0]["urgency"] == "someday"
