"""Administration: departments and their contacts, users, and the dispatch rules editor."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from hotline.errors import Conflict, ValidationError
from hotline.tickets.permissions import Step
from hotline.web import labels
from hotline.web.access import actor, page_step
from hotline.web.forms import (
    ActionForm,
    ContactsForm,
    PasswordResetForm,
    ReferenceItemForm,
    RuleSampleForm,
    UserEditForm,
    UserForm,
    attempt,
    own_paths,
    payload,
)
from hotline.web.templating import ref_choices

bp = Blueprint("admin_pages", __name__, url_prefix="/admin")


def _now() -> datetime:
    return datetime.now(UTC)


@bp.route("/")
@page_step(Step.ADMINISTER)
def index():
    from hotline.auth.services import list_users
    from hotline.dispatch.services import get_rules
    from hotline.reference.services import departments
    from hotline.setup.checks import setup_warnings
    from hotline.web.i18n import is_english

    english = is_english()
    warnings = [dict(w, message=w["message"] if english else w["zh"]) for w in setup_warnings(_now())]
    return render_template(
        "admin/index.html",
        departments=departments(),
        users=list_users(),
        rules=get_rules(),
        warnings=warnings,
    )


# --- departments ---------------------------------------------------------------------------


def _phones(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").replace(",", "\n").splitlines() if line.strip()]


@bp.route("/departments/")
@page_step(Step.ADMINISTER)
def departments():
    return _departments_page({}, [])


@bp.route("/departments/<code>", methods=["GET", "POST"])
@page_step(Step.ADMINISTER)
def department(code: str):
    from hotline.notify.contacts import department_contacts, set_department_contacts

    row = department_contacts(code)
    form = ContactsForm()
    problems: list[str] = []
    if form.validate_on_submit():
        ok, _result, problems = attempt(
            form,
            lambda: set_department_contacts(code, _phones(form.head_phones.data), _phones(form.liaison_phones.data)),
            own_paths(form),
        )
        if ok:
            flash(_("Contacts saved."), "success")
            return redirect(url_for("admin_pages.departments"))
    elif not form.is_submitted():
        form.liaison_phones.data = "\n".join(row.liaison_phones or [])
        form.head_phones.data = "\n".join(row.head_phones or [])
    details = ReferenceItemForm(
        formdata=None, prefix="department", data={"name": row.name, "name_en": row.name_en, "active": row.active}
    )
    return render_template("admin/department.html", department=row, form=form, details=details, problems=problems), (
        422 if problems or form.errors else 200
    )


def _reference_item(kind: str, code: str | None):
    """Add (code None) or edit a department or a street; the reference file stays the seed."""
    from hotline.reference.services import save_department, save_street

    save = save_department if kind == "department" else save_street
    form = ReferenceItemForm(prefix=kind)
    if not form.validate_on_submit():
        abort(400)
    values = {"name": form.name.data or "", "name_en": form.name_en.data or "", "active": bool(form.active.data)}
    target = (form.code.data or "").strip() if code is None else code
    ok, _row, problems = attempt(form, lambda: save(target, values, new=code is None), own_paths(form))
    if ok:
        flash(_("Saved. Forms and rules use the change at once."), "success")
        return redirect(url_for("admin_pages.departments"))
    if code is None:
        return _departments_page({kind: form}, problems)
    return _departments_page({}, problems, edit=(kind, code, form))


def _departments_page(bound: dict, problems: list[str], edit: tuple | None = None):
    from hotline.reference.services import departments as all_departments
    from hotline.reference.services import streets

    forms = {
        kind: bound.get(kind) or ReferenceItemForm(formdata=None, prefix=kind) for kind in ("department", "street")
    }
    status = 422 if problems or any(f.errors for f in bound.values()) or (edit and edit[2].errors) else 200
    return render_template(
        "admin/departments.html",
        departments=all_departments(),
        streets=streets(),
        forms=forms,
        problems=problems,
        edit=edit,
    ), status


@bp.route("/departments/new", methods=["POST"])
@page_step(Step.ADMINISTER)
def add_department():
    return _reference_item("department", None)


@bp.route("/departments/<code>/details", methods=["POST"])
@page_step(Step.ADMINISTER)
def edit_department(code: str):
    return _reference_item("department", code)


@bp.route("/streets/new", methods=["POST"])
@page_step(Step.ADMINISTER)
def add_street():
    return _reference_item("street", None)


@bp.route("/streets/<code>", methods=["GET", "POST"])
@page_step(Step.ADMINISTER)
def street(code: str):
    from hotline.reference.services import streets

    if request.method == "POST":
        return _reference_item("street", code)
    row = next((s for s in streets() if s.code == code), None)
    if row is None:
        abort(404)
    form = ReferenceItemForm(
        formdata=None, prefix="street", data={"name": row.name, "name_en": row.name_en, "active": row.active}
    )
    return render_template("admin/street.html", street=row, form=form, problems=[])


# --- users ---------------------------------------------------------------------------------

USER_PATHS = {
    "username": ("username",),
    "role": ("role",),
    "bureau": ("bureau",),
    "phone": ("phone",),
    "password": ("password",),
}


def _user_form() -> UserForm:
    form = UserForm()
    form.role.choices = [("", _("Choose..."))] + [(code, str(name)) for code, name in labels.ROLE.items()]
    form.bureau.choices = ref_choices("bureaus", blank=_("None"))
    return form


@bp.route("/users/", methods=["GET", "POST"])
@page_step(Step.ADMINISTER)
def users():
    from hotline.auth.services import create_user, list_users

    form = _user_form()
    problems: list[str] = []
    if form.validate_on_submit():
        body = payload(form, USER_PATHS)
        ok, user, problems = attempt(
            form,
            lambda: create_user(
                body.get("username", ""),
                body.get("role", ""),
                form.password.data or "",
                bureau=body.get("bureau"),
                phone=body.get("phone"),
            ),
            USER_PATHS,
        )
        if ok:
            flash(_("User %(name)s created.", name=user.username), "success")
            return redirect(url_for("admin_pages.users"))
    return render_template("admin/users.html", users=list_users(), form=form, problems=problems), (
        422 if problems or form.errors else 200
    )


def _user_edit_form(formdata=True) -> UserEditForm:
    form = UserEditForm() if formdata else UserEditForm(formdata=None)
    form.role.choices = [(code, str(name)) for code, name in labels.ROLE.items()]
    form.bureau.choices = ref_choices("bureaus", blank=_("None"))
    return form


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@page_step(Step.ADMINISTER)
def user(user_id: int):
    """Edit an account (role, department, phone, 姓名) and reset its password."""
    from hotline.auth.services import list_users, update_user

    found = next((u for u in list_users() if u.id == user_id), None)
    if found is None:
        abort(404)
    form, problems = _user_edit_form(), []
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        body = payload(form, own_paths(form))
        ok, _u, problems = attempt(form, lambda: update_user(user_id, body, actor=actor()), own_paths(form))
        if ok:
            flash(_("User %(name)s saved.", name=found.username), "success")
            return redirect(url_for("admin_pages.users"))
    else:
        form = _user_edit_form(formdata=False)
        form.process(
            data={
                "full_name": found.full_name or "",
                "role": found.role,
                "bureau": found.bureau or "",
                "phone": found.phone or "",
            }
        )
    status = 422 if problems or form.errors else 200
    return render_template(
        "admin/user.html", account=found, form=form, reset=PasswordResetForm(formdata=None), problems=problems
    ), status


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@page_step(Step.ADMINISTER)
def reset_password(user_id: int):
    from hotline.auth.services import list_users
    from hotline.auth.services import reset_password as reset_password_service

    found = next((u for u in list_users() if u.id == user_id), None)
    if found is None:
        abort(404)
    reset = PasswordResetForm()
    if not reset.validate_on_submit():
        abort(400)
    ok, _u, problems = attempt(
        reset, lambda: reset_password_service(user_id, reset.password.data, actor=actor(), now=_now()), own_paths(reset)
    )
    if ok:
        flash(_("New password set for %(name)s: tell it to them in person.", name=found.username), "success")
        return redirect(url_for("admin_pages.users"))
    form = _user_edit_form(formdata=False)
    form.process(
        data={
            "full_name": found.full_name or "",
            "role": found.role,
            "bureau": found.bureau or "",
            "phone": found.phone or "",
        }
    )
    return render_template("admin/user.html", account=found, form=form, reset=reset, problems=problems), 422


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@page_step(Step.ADMINISTER)
def user_active(user_id: int):
    from hotline.auth.services import set_user_active

    if not ActionForm().validate_on_submit():
        abort(400)
    wanted = request.form.get("active") == "1"
    ok, _user, problems = attempt(None, lambda: set_user_active(user_id, wanted, actor=actor()))
    flash(
        (_("Account switched on.") if wanted else _("Account switched off.")) if ok else "; ".join(problems),
        "success" if ok else "error",
    )
    return redirect(url_for("admin_pages.users"))


# --- dispatch rules ------------------------------------------------------------------------


def _draft_rules() -> tuple[list[Any], dict[int, list[str]], list[str]]:
    """The rules as edited: one JSON text per rule, in page order; an empty box deletes its rule.
    Returns (rules, JSON errors by page position, the texts as typed)."""
    texts = request.form.getlist("rule")
    rules: list[Any] = []
    bad: dict[int, list[str]] = {}
    kept: list[str] = []
    for text in texts:
        if not text.strip():
            continue
        position = len(kept)
        kept.append(text)
        try:
            rules.append(json.loads(text))
        except ValueError as exc:
            bad[position] = [_("Not valid JSON: %(error)s", error=str(exc))]
            rules.append(None)
    return rules, bad, kept


def _rule_errors(errors: dict[str, Any]) -> dict[int, list[str]]:
    """The service's errors (keyed by rule position, then field) as one list per rule."""
    found: dict[int, list[str]] = {}

    def walk(node: Any, into: list[str], path: tuple[str, ...]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, into, (*path, key) if key != "_schema" else path)
        else:
            for message in node if isinstance(node, list) else [node]:
                into.append(f"{'.'.join(path)}: {message}" if path else str(message))

    for key, value in (errors or {}).items():
        if str(key).isdigit():
            walk(value, found.setdefault(int(key), []), ())
        else:
            walk(value, found.setdefault(-1, []), ())
    return found


def _sample_form() -> RuleSampleForm:
    form = RuleSampleForm(prefix="sample")
    form.primary.choices = ref_choices("protection_types", blank=_("Choose..."))
    form.others.choices = ref_choices("protection_types")
    form.categories.choices = ref_choices("subject_categories")
    form.street.choices = ref_choices("streets", blank=_("None"))
    form.urgency.choices = ref_choices("urgencies", blank=_("None"))
    form.channel.choices = [("", _("None"))] + [(code, str(name)) for code, name in labels.CHANNEL.items()]
    return form


def preview_draft(rules: list[Any], sample: dict[str, Any]) -> dict[str, Any]:
    from hotline.dispatch.services import preview_draft_rules

    return preview_draft_rules(rules, sample)


@bp.route("/rules", methods=["GET", "POST"])
@page_step(Step.EDIT_RULES)
def rules():
    from hotline.dispatch.services import get_rules, list_rule_versions, replace_rules

    current = get_rules()
    sample = _sample_form()
    texts = [json.dumps(rule, ensure_ascii=False, indent=2) for rule in current["rules"]]
    per_rule: dict[int, list[str]] = {}
    problems: list[str] = []
    preview = None
    status = 200
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        draft, per_rule, texts = _draft_rules()
        if request.form.get("action") == "save" and not per_rule:
            try:
                saved = replace_rules(
                    draft, actor=actor(), now=_now(), base_version=request.form.get("base_version", type=int)
                )
            except ValidationError as exc:  # each rule's named errors go beside it
                per_rule = _rule_errors((exc.errors or {}).get("rules", {}))
                problems = per_rule.pop(-1, []) or [_("Some rules are not valid: see the messages beside them.")]
            except Conflict as exc:
                problems, status = [exc.message], 409
            else:
                flash(_("Rules saved as version %(v)s.", v=saved["version"]), "success")
                return redirect(url_for("admin_pages.rules"))
        elif request.form.get("action") == "preview" and not per_rule:
            facts = payload(sample, own_paths(sample))
            result = preview_draft(
                draft,
                {
                    "protection_types": [facts.get("primary"), *(facts.get("others") or [])]
                    if facts.get("primary")
                    else [],
                    "subject_categories": facts.get("categories") or [],
                    "street": facts.get("street"),
                    "urgency": facts.get("urgency"),
                    "channel": facts.get("channel"),
                },
            )
            if "errors" in result:
                per_rule = _rule_errors(result["errors"])
                problems = per_rule.pop(-1, [])
            else:
                preview = result
        status = status if status != 200 else (422 if per_rule or problems else 200)
    return render_template(
        "admin/rules.html",
        current=current,
        texts=texts,
        per_rule=per_rule,
        problems=problems,
        preview=preview,
        sample=sample,
        versions=list_rule_versions()[:10],
        action=ActionForm(formdata=None),
    ), status
