"""Administration: departments and their contacts, users, and the dispatch rules editor."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from hotline.bounds import MAX_ID
from hotline.errors import Conflict, ValidationError
from hotline.tickets.permissions import Step
from hotline.web import labels, rules_editor
from hotline.web.access import actor, page_step
from hotline.web.forms import (
    ActionForm,
    ContactsForm,
    PasswordResetForm,
    ReferenceItemForm,
    UserEditForm,
    UserForm,
    attach_errors,
    attempt,
    own_paths,
    payload,
    readable,
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
    from hotline.settings import current_settings
    from hotline.setup.checks import setup_warnings
    from hotline.web.i18n import is_english

    english = is_english()
    warnings = [
        dict(w, message=w["message"] if english else w["zh"])
        for w in setup_warnings(_now(), settings=current_settings())
    ]
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


# --- dispatch rules: pages of pickers (rules_editor.py), saved only by the rules service ----------


def _base_version() -> int | None:
    version = request.form.get("base_version", type=int)
    return version if version is not None and 0 <= version <= MAX_ID else None


def _shown_version(current: dict) -> int:
    """The version a refused form goes on being about: the one it was made on, never a newer
    one that someone else saved meanwhile (its rule numbers may mean other rules)."""
    posted = _base_version() if request.method == "POST" else None
    return posted if posted is not None else current["version"]


def _posted() -> tuple[dict, rules_editor.Vocabulary]:
    """A posted rules form (its CSRF token checked): the rules in force and the words for them."""
    from hotline.dispatch.services import get_rules

    if not ActionForm().validate_on_submit():
        abort(400)
    return get_rules(), rules_editor.vocabulary()


def _store(rules: list[Any], words: rules_editor.Vocabulary) -> tuple[dict | None, list, list[str], int]:
    """Hand the whole set to the rules service: (saved, errors by rule and field, problems, status)."""
    from hotline.dispatch.services import replace_rules

    try:
        return replace_rules(rules, actor=actor(), now=_now(), base_version=_base_version()), [], [], 200
    except ValidationError as exc:
        return None, rules_editor.set_errors((exc.errors or {}).get("rules", {}), rules, words), [], 422
    except Conflict as exc:
        stale = readable(exc.message) + " " + _("Nothing was saved: open the rules again to see the change.")
        return None, [], [stale], 409


def _preview_in_force(sample) -> tuple[dict | None, list[str]]:
    """What the rules in force do with the sample: the service ``POST /api/v1/dispatch/preview`` calls."""
    from hotline.dispatch.services import preview_dispatch

    try:
        return preview_dispatch(rules_editor.sample_ticket(sample)), []
    except ValidationError as exc:
        return None, attach_errors(sample, exc.errors, {}) or [readable(exc.message)]


def _preview_html(rules: list[Any], preview: dict | None, problems: list[str]) -> str:
    numbers = {rule.get("name"): i for i, rule in enumerate(rules, start=1) if isinstance(rule, dict)}
    return render_template(
        "admin/_rule_preview.html",
        preview=preview,
        preview_problems=problems,
        matched=numbers.get((preview or {}).get("rule")),
    )


def _rules_page(current: dict, status: int = 200, **page: Any):
    from hotline.dispatch.services import list_rule_versions

    words = page.pop("words", None) or rules_editor.vocabulary()
    sample = page.pop("sample", None) or rules_editor.sample_form(formdata=request.args)
    if "preview_html" not in page:
        preview, trouble = _preview_in_force(sample)
        page["preview_html"] = _preview_html(current["rules"], preview, trouble)
    page.setdefault("order_errors", {})
    page.setdefault("numbers", {})
    page.setdefault("import_problems", [])
    page.setdefault("problems", [])
    return render_template(
        "admin/rules.html",
        current=current,
        base_version=_shown_version(current),
        described=rules_editor.describe_all(current["rules"], words),
        versions=list_rule_versions()[:10],
        sample=sample,
        **page,
    ), status


@bp.route("/rules")
@page_step(Step.EDIT_RULES)
def rules():
    """The rules in order, in words; a sample ticket tried on the rules in force; import and export."""
    from hotline.dispatch.services import get_rules

    current = get_rules()
    if request.headers.get("X-Requested-With") == "fetch":  # the sample changed: only the answer
        preview, trouble = _preview_in_force(rules_editor.sample_form(formdata=request.args))
        return _preview_html(current["rules"], preview, trouble)
    return _rules_page(current)


@bp.route("/rules/order", methods=["POST"])
@page_step(Step.EDIT_RULES)
def rules_order():
    """Move one rule up or down, or put the rules in the order of the numbers typed beside them."""
    current, words = _posted()
    stored = current["rules"]
    numbers = {i: request.form.get(f"order-{i}", "") for i in range(len(stored))}
    order, bad = rules_editor.new_order(len(stored), numbers, request.form.get("move"))
    if order is None:
        problems = [_("Some numbers cannot be used: see the rules marked in red.")]
        return _rules_page(current, 422, words=words, order_errors=bad, numbers=numbers, problems=problems)
    if order == list(range(len(stored))):
        flash(_("The order did not change."), "info")
        return redirect(url_for("admin_pages.rules"))
    reordered = [stored[i] for i in order]
    saved, errors, problems, status = _store(reordered, words)
    if saved is None:
        problems += rules_editor.error_lines(errors, reordered, words)
        return _rules_page(current, status, words=words, numbers=numbers, problems=problems)
    flash(_("New order saved as version %(v)s.", v=saved["version"]), "success")
    moved = request.form.get("move", "")
    target = order.index(int(moved.split(":")[0])) + 1 if moved[:1].isdigit() else None
    return redirect(url_for("admin_pages.rules", _anchor=f"rule-{target}" if target else None))


def _rule_editor(current: dict, number: int | None):
    """Edit rule ``number`` (1-based) or add one (None): pickers, its place, a preview of the draft."""
    from hotline.dispatch.services import preview_draft_rules

    stored, words = current["rules"], rules_editor.vocabulary()
    before = stored[number - 1] if number else {}
    highest = len(stored) if number else len(stored) + 1
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        form = rules_editor.rule_form(words, before)
        sample = rules_editor.sample_form(before, formdata=request.form)
        rule, unread = rules_editor.form_rule(form, words, before)
        position, wrong_place = rules_editor.form_position(form, highest)
        if wrong_place:
            unread["position"] = wrong_place
        place = position or number or highest
        draft = rules_editor.placed(stored, rule, place, replacing=number - 1 if number else None)
        fetched = request.headers.get("X-Requested-With") == "fetch"
        if request.form.get("action") == "save" and not unread and not fetched:
            if number and draft == stored:
                flash(_("Nothing changed, so no new version was made."), "info")
                return redirect(url_for("admin_pages.rules", _anchor=f"rule-{number}"))
            saved, errors, problems, status = _store(draft, words)
            if saved is not None:
                flash(
                    _(
                        "%(rule)s saved; the rules are now version %(v)s.",
                        rule=rules_editor.rule_label(place, rule),
                        v=saved["version"],
                    ),
                    "success",
                )
                return redirect(url_for("admin_pages.rules", _anchor=f"rule-{place}"))
            elsewhere = []
            for where, path, message in errors:
                name = rules_editor.field_for(path) if where == place - 1 else None
                if name and name in form:
                    form[name].errors = [*form[name].errors, message]
                else:
                    elsewhere.append((where, path, message))
            problems += rules_editor.error_lines(elsewhere, draft, words)
            problems = problems or [_("The rule cannot be saved yet: see the messages beside the fields.")]
        result = preview_draft_rules(draft, rules_editor.sample_ticket(sample))
        trouble = []
        if "errors" in result:
            listed = rules_editor.set_errors(result["errors"], draft, words)
            trouble = [
                _("Correct the rule first; then the preview can try it."),
                *rules_editor.error_lines(listed, draft, words),
            ]
        preview_html = _preview_html(draft, None if trouble else result, trouble)
        if fetched:
            return preview_html
        for name, message in unread.items():
            form[name].errors = [*form[name].errors, message]
        status = status if status != 200 else (422 if unread or problems else 200)
    else:
        form = rules_editor.rule_form(words, before, formdata=None)
        if not number:  # a new rule goes before the first catch-all, which would hide it
            catch_all = next(
                (i for i, r in enumerate(stored) if not r.get("when") and r["then"]["lead"] != "street"), None
            )
            highest = catch_all + 1 if catch_all is not None else highest
        form.process(data=rules_editor.rule_data(before, number or highest, words))
        sample = rules_editor.sample_form(before)
        preview_html = _preview_html(stored, *_preview_in_force(sample))
    return render_template(
        "admin/rule.html",
        current=current,
        number=number,
        form=form,
        sample=sample,
        preview_html=preview_html,
        problems=problems,
        title=rules_editor.rule_title(before.get("name")) if number else None,
        base_version=_shown_version(current),
        urgencies=rules_editor.usual_deadlines(),
    ), status


@bp.route("/rules/new", methods=["GET", "POST"])
@page_step(Step.EDIT_RULES)
def new_rule():
    from hotline.dispatch.services import get_rules

    return _rule_editor(get_rules(), None)


@bp.route("/rules/<int:number>", methods=["GET", "POST"])
@page_step(Step.EDIT_RULES)
def rule(number: int):
    from hotline.dispatch.services import get_rules

    current = get_rules()
    if not 1 <= number <= len(current["rules"]):
        abort(404)
    return _rule_editor(current, number)


@bp.route("/rules/<int:number>/delete", methods=["POST"])
@page_step(Step.EDIT_RULES)
def delete_rule(number: int):
    current, words = _posted()
    stored = current["rules"]
    if not 1 <= number <= len(stored):
        abort(404)
    remaining = stored[: number - 1] + stored[number:]
    saved, errors, problems, _status = _store(remaining, words)
    if saved is None:
        for line in problems + rules_editor.error_lines(errors, remaining, words):
            flash(line, "error")
        return redirect(url_for("admin_pages.rule", number=number))
    flash(
        _(
            "%(rule)s deleted; the rules are now version %(v)s.",
            rule=rules_editor.rule_label(number, stored[number - 1]),
            v=saved["version"],
        ),
        "success",
    )
    return redirect(url_for("admin_pages.rules"))


@bp.route("/rules/export")
@page_step(Step.EDIT_RULES)
def rules_export():
    """The rules in force (or ``?version=N``) as the JSON file ``hotline rules import`` and the page take."""
    from hotline.dispatch.services import get_rules

    version = request.args.get("version", type=int)
    if version is not None and not 1 <= version <= MAX_ID:
        abort(404)
    current = get_rules(version)
    body = json.dumps({"version": current["version"], "rules": current["rules"]}, ensure_ascii=False, indent=2)
    return Response(
        body + "\n",
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="dispatch-rules-v{current["version"]}.json"'},
    )


@bp.route("/rules/import", methods=["POST"])
@page_step(Step.EDIT_RULES)
def rules_import():
    """Replace the whole set with a JSON file (uploaded or pasted); errors name the rule and field."""
    from hotline.dispatch.services import import_rules

    current, words = _posted()
    upload = request.files.get("file")
    raw: bytes | str = upload.read() if upload is not None and upload.filename else request.form.get("text", "")
    kept = raw if isinstance(raw, str) else raw.decode("utf-8-sig", errors="replace")
    payload, problem = rules_editor.parse_import(raw)
    if problem is not None:
        return _rules_page(current, 422, words=words, import_problems=[problem], import_text=kept)
    try:
        version, changed = import_rules(payload, now=_now(), actor=actor())
    except ValidationError as exc:
        imported = payload.get("rules") if isinstance(payload, dict) else payload
        listed = rules_editor.set_errors((exc.errors or {}).get("rules", {}), imported, words)
        lines = rules_editor.error_lines(listed, imported, words)
        return _rules_page(current, 422, words=words, import_problems=lines, import_text=kept)
    if changed:
        flash(_("Rules imported and saved as version %(v)s.", v=version), "success")
    else:
        flash(_("The file holds the rules already in force: no new version was made."), "info")
    return redirect(url_for("admin_pages.rules"))
