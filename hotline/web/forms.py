"""The pages' forms. WTForms renders them and checks the CSRF token; the services' schemas
decide what is valid, so a rule lives in one place and the API and the pages agree.

``payload()`` turns a form into the JSON body the API would receive; ``attach_errors()``
puts a schema's (or a service's) named errors next to the fields they name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from marshmallow import ValidationError as SchemaError
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import InputRequired

from hotline.errors import Conflict
from hotline.errors import ValidationError as DomainValidationError
from hotline.tracking.notes import MAX_ATTACHMENT_BYTES


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form) -> None:  # the schema checks the codes
        pass


class LooseSelectField(SelectField):
    def pre_validate(self, form) -> None:  # the schema checks the codes
        pass


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[InputRequired()], render_kw={"autocomplete": "username"})
    password = PasswordField(
        _l("Password"), validators=[InputRequired()], render_kw={"autocomplete": "current-password"}
    )


class StatusForm(FlaskForm):
    tracking_code = StringField(
        _l("Tracking code (10 digits)"),
        validators=[InputRequired()],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 10},
    )
    secret = PasswordField(
        _l("Secret (6 digits)"),
        validators=[InputRequired()],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 6},
    )


class ReportForm(FlaskForm):
    """The public report: what a member of the public can tell us (anonymous allowed)."""

    description = TextAreaField(
        _l("What is happening to the child?"),
        render_kw={"rows": 6, "maxlength": 5000, "minlength": 10, "data-counter": "description-count"},
    )
    street = LooseSelectField(_l("Street or town where the child is"), choices=[])
    address = StringField(_l("Address or place (optional)"), render_kw={"maxlength": 500})
    child_name = StringField(_l("Child's name (optional)"), render_kw={"maxlength": 100})
    child_age = StringField(_l("Child's age (optional)"), render_kw={"inputmode": "numeric", "maxlength": 2})
    child_gender = LooseSelectField(_l("Child's gender (optional)"), choices=[])
    protection_types = MultiCheckboxField(_l("Kind of help needed (optional)"), choices=[])
    reporter_name = StringField(_l("Your name (optional)"), render_kw={"maxlength": 100, "autocomplete": "name"})
    reporter_phone = StringField(
        _l("Your phone (optional, so we can call you back)"),
        render_kw={
            "maxlength": 20,
            "type": "tel",
            "inputmode": "tel",
            "autocomplete": "tel",
            "pattern": r"[0-9+\-\s()]{7,20}",
            "placeholder": "13800000000",
        },
    )
    anonymous = BooleanField(_l("Report anonymously (we keep neither your name nor your phone)"))


class CallTicketForm(ReportForm):
    """An operator registering a call (or a walk-in): the report plus what the center decides."""

    description = TextAreaField(_l("Description"), render_kw={"rows": 5, "maxlength": 5000})
    street = LooseSelectField(_l("Street or town"), choices=[])
    address = StringField(_l("Address"), render_kw={"maxlength": 500})
    child_name = StringField(_l("Child's name"), render_kw={"maxlength": 100})
    child_age = StringField(_l("Child's age"), render_kw={"inputmode": "numeric", "maxlength": 2})
    child_gender = LooseSelectField(_l("Child's gender"), choices=[])
    primary_type = LooseSelectField(_l("Primary protection type"), choices=[])
    protection_types = MultiCheckboxField(_l("Other protection types (tick any that also apply)"), choices=[])
    subject_categories = MultiCheckboxField(_l("Child's situation"), choices=[])
    urgency = LooseSelectField(_l("Urgency"), choices=[])
    channel = LooseSelectField(_l("Channel"), choices=[])
    call_sid = HiddenField()
    reporter_name = StringField(_l("Caller's name"), render_kw={"maxlength": 100})
    reporter_phone = StringField(_l("Caller's phone"), render_kw={"maxlength": 32, "inputmode": "tel"})
    anonymous = BooleanField(_l("Caller wishes to stay anonymous"))


class CompleteForm(FlaskForm):
    """An operator completing a ``new`` ticket (web, SMS, voicemail) before dispatching it."""

    primary_type = LooseSelectField(_l("Primary protection type"), choices=[])
    protection_types = MultiCheckboxField(_l("Other protection types (tick any that also apply)"), choices=[])
    urgency = LooseSelectField(_l("Urgency"), choices=[])
    street = LooseSelectField(_l("Street or town"), choices=[])
    address = StringField(_l("Address"), render_kw={"maxlength": 500})
    child_name = StringField(_l("Child's name"), render_kw={"maxlength": 100})
    child_age = StringField(_l("Child's age"), render_kw={"inputmode": "numeric", "maxlength": 2})
    child_gender = LooseSelectField(_l("Child's gender"), choices=[])
    subject_categories = MultiCheckboxField(_l("Child's situation"), choices=[])
    description = TextAreaField(_l("Description"), render_kw={"rows": 5, "maxlength": 5000})
    version = HiddenField()


# Form field -> where it goes in the API's JSON body.
REPORT_PATHS: dict[str, tuple[str, ...]] = {
    "description": ("description",),
    "street": ("location", "street"),
    "address": ("location", "address"),
    "child_name": ("child", "name"),
    "child_age": ("child", "age"),
    "child_gender": ("child", "gender"),
    "protection_types": ("protection_types",),
    "primary_type": ("protection_types",),  # after protection_types: "choose one" errors go beside it
    "subject_categories": ("subject_categories",),
    "urgency": ("urgency",),
    "channel": ("channel",),
    "call_sid": ("call_sid",),
    "version": ("version",),
    "reporter_name": ("reporter", "name"),
    "reporter_phone": ("reporter", "phone"),
    "anonymous": ("reporter", "anonymous"),
}


# Typed as numbers in the API body when they look like one (the schema checks the range).
NUMBER_FIELDS = {"child_age", "days", "version"}


def _clean(value: Any, number: bool = False) -> Any:
    if isinstance(value, str):
        value = value.strip()
        if number and value.isdigit() and len(value) <= 6:
            return int(value)
        return value or None
    if isinstance(value, list):
        return [v for v in value if v] or None
    return value


def own_paths(form: FlaskForm) -> dict[str, tuple[str, ...]]:
    """For a small form whose field names are the API body's keys."""
    return {name: (name,) for name in form._fields if name != "csrf_token"}


def protection_types_of(form: FlaskForm) -> list[str] | None:
    """The chosen primary type first, then the other ticked ones (the API's first is primary).
    Without a chosen primary the ticked ones go in list order, as the label says."""
    ticked = [code for code in (form.protection_types.data or []) if code]
    primary = getattr(form, "primary_type", None)
    chosen = (primary.data or "").strip() if primary is not None else ""
    codes = ([chosen] if chosen else []) + [code for code in ticked if code != chosen]
    return codes or None


def payload(form: FlaskForm, paths: Mapping[str, tuple[str, ...]] = REPORT_PATHS) -> dict[str, Any]:
    """The API body for this form: empty fields are left out, as a JSON client would."""
    body: dict[str, Any] = {}
    for name, path in paths.items():
        field = getattr(form, name, None)
        if field is None:
            continue
        value = _clean(field.data, number=name in NUMBER_FIELDS)
        if value is None:
            continue
        target = body
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = value
    if getattr(form, "primary_type", None) is not None and "protection_types" in paths:
        codes = protection_types_of(form)
        if codes:
            body["protection_types"] = codes
    return body


# marshmallow's own messages are English only; the services' messages are already bilingual.
_SCHEMA_MESSAGES = {
    "Missing data for required field.": _l("This field is required."),
    "Field may not be null.": _l("This field is required."),
    "Not a valid integer.": _l("Enter a whole number."),
    "Not a valid string.": _l("Enter text."),
    "Not a valid boolean.": _l("Tick the box or leave it empty."),
    "Not a valid list.": _l("Choose from the list."),
    "Not a valid date.": _l("Enter a date (YYYY-MM-DD)."),
    "Unknown field.": _l("This field is not expected here."),
}


def readable(message: Any) -> str:
    """A message for the page: marshmallow's English in the page's language, a service's
    bilingual message in the page's language only."""
    from hotline.web.templating import page_text

    text = str(message)
    if text.startswith("Must be one of"):
        return str(_l("Choose one of the options."))
    return page_text(_SCHEMA_MESSAGES.get(text, text))


def attach_errors(
    form: FlaskForm, errors: Mapping[str, Any] | None, paths: Mapping[str, tuple[str, ...]] = REPORT_PATHS
) -> list[str]:
    """Show each named error beside its field; return those no field claims (shown on top)."""
    by_path = {path: name for name, path in paths.items() if getattr(form, name, None) is not None}
    unclaimed: list[str] = []

    def walk(node: Any, prefix: tuple[str, ...]) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                walk(value, (*prefix, str(key)))
            return
        messages = [readable(m) for m in node] if isinstance(node, list | tuple) else [readable(node)]
        # "protection_types.0" names an item of a list field: put it on the field.
        for length in range(len(prefix), 0, -1):
            name = by_path.get(prefix[:length])
            if name is not None:
                field = getattr(form, name)
                field.errors = [*list(field.errors or []), *messages]
                return
        # A missing group ("location" when no street was chosen): its first field.
        for path, name in by_path.items():
            if prefix and path[: len(prefix)] == prefix:
                field = getattr(form, name)
                field.errors = [*list(field.errors or []), *messages]
                return
        unclaimed.extend(f"{'.'.join(prefix)}: {m}" if prefix else m for m in messages)

    walk(errors or {}, ())
    return unclaimed


class ActionForm(FlaskForm):
    """A button that needs nothing but the CSRF token (sign for, approve, called back)."""


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), render_kw={"rows": 3, "maxlength": 2000})


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Note"), render_kw={"rows": 3, "maxlength": 2000})


class FeedbackForm(FlaskForm):
    summary = TextAreaField(_l("What was done"), render_kw={"rows": 4, "maxlength": 5000})
    final = BooleanField(_l("This is the final feedback (the work is finished)"))


class OnBehalfForm(FeedbackForm):
    """代反馈: a supervisor records what a department reported by phone or on paper."""

    summary = TextAreaField(
        _l("What the department reported (by phone or on paper)"), render_kw={"rows": 4, "maxlength": 5000}
    )
    final = BooleanField(_l("This is the department's final feedback"))


class TicketNoteForm(FlaskForm):
    body = TextAreaField(_l("Note for the center and the departments"), render_kw={"rows": 3, "maxlength": 5000})


class UploadForm(FlaskForm):
    file = FileField(
        _l("File (JPEG, PNG or PDF, at most 10 MB)"),
        render_kw={
            "accept": "image/jpeg,image/png,application/pdf",
            # forms.js refuses a larger file before it is sent (the server refuses it too: 413).
            "data-max-bytes": str(MAX_ATTACHMENT_BYTES),
            "data-too-large": _l("This file is larger than 10 MB. Choose a smaller photo or scan."),
        },
    )


class CorrectionForm(FlaskForm):
    summary = TextAreaField(_l("The corrected final feedback"), render_kw={"rows": 4, "maxlength": 5000})


class ExtensionForm(FlaskForm):
    days = StringField(
        _l("Extra days (1-10; working days for a normal ticket, calendar days for urgent ones)"),
        render_kw={"inputmode": "numeric", "maxlength": 2},
    )
    reason = TextAreaField(_l("Why more time is needed"), render_kw={"rows": 3, "maxlength": 2000})


class RevisitForm(FlaskForm):
    outcome = LooseSelectField(_l("Outcome of the revisit"), choices=[])
    note = TextAreaField(_l("Note"), render_kw={"rows": 3, "maxlength": 2000})


class DispatchForm(FlaskForm):
    lead = LooseSelectField(_l("Lead department"), choices=[])
    assists = MultiCheckboxField(_l("Assisting departments"), choices=[])


class UserForm(FlaskForm):
    username = StringField(_l("Username"), render_kw={"maxlength": 80, "autocomplete": "off"})
    role = LooseSelectField(_l("Role"), choices=[])
    bureau = LooseSelectField(_l("Department (required for a liaison)"), choices=[])
    phone = StringField(
        _l("Mobile phone (11 digits, for SMS)"), render_kw={"maxlength": 20, "type": "tel", "inputmode": "tel"}
    )
    password = PasswordField(_l("Initial password"), render_kw={"autocomplete": "new-password"})


class UserEditForm(FlaskForm):
    full_name = StringField(_l("Full name (姓名)"), render_kw={"maxlength": 100})
    role = LooseSelectField(_l("Role"), choices=[])
    bureau = LooseSelectField(_l("Department (required for a liaison)"), choices=[])
    phone = StringField(
        _l("Mobile phone (11 digits, for SMS)"), render_kw={"maxlength": 20, "type": "tel", "inputmode": "tel"}
    )


class PasswordResetForm(FlaskForm):
    password = PasswordField(_l("New password (at least 10 characters)"), render_kw={"autocomplete": "new-password"})


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password (at least 10 characters)"), render_kw={"autocomplete": "new-password"})
    again = PasswordField(_l("New password again"), render_kw={"autocomplete": "new-password"})


class RuleSampleForm(FlaskForm):
    """A sample ticket to try a draft rule set on."""

    primary = LooseSelectField(_l("Primary protection type"), choices=[])
    others = MultiCheckboxField(_l("Other protection types"), choices=[])
    categories = MultiCheckboxField(_l("Child's situation"), choices=[])
    street = LooseSelectField(_l("Street or town"), choices=[])
    urgency = LooseSelectField(_l("Urgency"), choices=[])
    channel = LooseSelectField(_l("Channel"), choices=[])


class ReferenceItemForm(FlaskForm):
    """A department or a street: its code (only when adding), names, and whether it is in use."""

    code = StringField(_l("Code (lowercase letters, digits, _; cannot change later)"), render_kw={"maxlength": 63})
    name = StringField(_l("Name"), render_kw={"maxlength": 200})
    name_en = StringField(_l("English name"), render_kw={"maxlength": 200})
    active = BooleanField(_l("In use (offered in forms and rules)"), default=True)


class ContactsForm(FlaskForm):
    liaison_phones = TextAreaField(_l("Liaison phones (one per line)"), render_kw={"rows": 3})
    head_phones = TextAreaField(_l("Department head phones (one per line)"), render_kw={"rows": 3})


def attempt(
    form: FlaskForm | None, action: Callable[[], Any], paths: Mapping[str, tuple[str, ...]] = REPORT_PATHS
) -> tuple[bool, Any, list[str]]:
    """Run ``action`` (a schema load and one service call); on a validation error or a step
    the current state does not allow, return the problems instead, each beside its field
    where one is named. Returns (ok, result, problems shown on top)."""
    try:
        return True, action(), []
    except SchemaError as exc:
        problems = attach_errors(form, exc.messages, paths) if form is not None else _flat(exc.messages)
        return False, None, problems
    except DomainValidationError as exc:
        problems = attach_errors(form, exc.errors, paths) if form is not None and exc.errors else []
        return False, None, problems or [readable(exc.message)]
    except Conflict as exc:
        return False, None, [readable(exc.message)]


def _flat(errors: Any) -> list[str]:
    if isinstance(errors, Mapping):
        return [f"{key}: {m}" for key, value in errors.items() for m in _flat(value)]
    return [readable(m) for m in errors] if isinstance(errors, list | tuple) else [readable(errors)]
