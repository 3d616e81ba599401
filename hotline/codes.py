"""Fields that take reference codes, and the OpenAPI document listing the codes in force.

Reference codes (streets, departments, protection types, categories, urgencies) live in the
database and an administrator can add or switch them off, so a schema cannot list them when it
is written. A field built here carries ``x-codes: <kind>`` in the document instead, and the
served document (``hotline.api.document``) turns every such mark into an ``enum`` of the codes
in force at that moment: what the service accepts is what the document says, and a code it
refuses is never offered.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

import marshmallow as ma
from marshmallow import validate

MARK = "x-codes"
# The kinds, as ``hotline.dispatch.services.Reference.known()`` names them.
KINDS = ("departments", "protection_types", "subject_categories", "streets", "urgencies")


def code_field(kind: str, **kwargs: Any) -> ma.fields.String:
    """A string that must be one code of ``kind`` (checked by the service against the database)."""
    assert kind in KINDS, kind
    metadata = {**kwargs.pop("metadata", {}), MARK: kind}
    kwargs.setdefault("validate", validate.Length(min=1, max=64))
    return ma.fields.String(metadata=metadata, **kwargs)


def code_list(kind: str, **kwargs: Any) -> ma.fields.List:
    """A list of codes of ``kind``."""
    return ma.fields.List(code_field(kind), **kwargs)


def list_codes(document: dict[str, Any], known: Mapping[str, Iterable[str]]) -> dict[str, Any]:
    """A copy of the OpenAPI ``document`` with each ``x-codes`` mark given the ``enum`` in force
    (and ``null`` in it where the field is nullable, as JSON Schema's ``enum`` requires)."""
    document = copy.deepcopy(document)
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            kind = node.get(MARK)
            if isinstance(kind, str) and kind in known:
                codes: list[Any] = sorted(known[kind])
                node["enum"] = [*codes, None] if node.get("nullable") else codes
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return document
