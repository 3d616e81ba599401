"""The dispatch rules editor's page logic: a rule as a form of pickers and back, the rules
described in words, and the rules service's errors named by rule and field.

Nothing here decides whether rules are valid or stores them: every change (a rule edited,
added, moved or deleted, a file imported) becomes the whole ordered set handed to the rules
service (``hotline.dispatch.services.replace_rules`` or ``import_rules``), which validates,
stores the next version and is the only write path, as for ``PUT /api/v1/rules``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from hotline.dispatch.rules import CONDITIONS, DEADLINE_KINDS, STREET
from hotline.tickets.enums import DEFAULT_URGENCY
from hotline.web import i18n, labels
from hotline.web.forms import LooseSelectField, MultiCheckboxField, RuleSampleForm
from hotline.web.templating import page_text, ref_choices, ref_name, reference

# What each condition asks of a ticket (the form's pickers) and its short name (lists, errors).
CONDITION_QUESTIONS = {
    "primary_protection_type": _l("The primary protection type is one of"),
    "protection_types": _l("Any of the ticket's protection types is one of"),
    "other_protection_types": _l("One of the other (not primary) protection types is one of"),
    "subject_categories": _l("The child's situation is one of"),
    "streets": _l("The child's street is one of"),
    "urgencies": _l("The urgency is one of"),
    "channels": _l("The report came in by"),
}
CONDITION_NAMES = {
    "primary_protection_type": _l("Primary protection type"),
    "protection_types": _l("Protection type"),
    "other_protection_types": _l("Other protection type"),
    "subject_categories": _l("Child's situation"),
    "streets": _l("Street"),
    "urgencies": _l("Urgency"),
    "channels": _l("Channel"),
}
# Deadline units as one choice: the rules store {"unit", "amount", "calendar"}.
UNITS = {
    "minutes": ("minutes", "clock"),
    "hours": ("hours", "clock"),
    "days": ("days", "clock"),
    "working_days": ("days", "working_days"),
}
UNIT_NAMES = {
    "minutes": _l("minutes"),
    "hours": _l("hours"),
    "days": _l("calendar days"),
    "working_days": _l("working days"),
}
DEADLINE_NAMES = {"sign": _l("Sign for within"), "feedback": _l("Feedback within")}
_DEFAULT_NAME = re.compile(r"default-([a-z_]+)")
_RULE_PREFIX = re.compile(r"^rule #\d+(?: '.*?')?: ", re.S)
_QUOTED = re.compile(r"'([^']+)'")
_LISTED = re.compile(r":\s*([^:()]+)$")
_DUPLICATE_OF = re.compile(r"#(\d+)")
_CODE_WORD = re.compile(r"(?<![A-Za-z0-9_:])([a-z][a-z0-9_]*(?::[a-z][a-z0-9_]*)?)(?![A-Za-z0-9_:])")


# --- the words for codes -----------------------------------------------------------------


@dataclass
class Vocabulary:
    """The codes a rule may name, in the page's language: the pickers offer the ones in use;
    a code no longer in use (a department switched off) keeps a name saying so."""

    choices: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    names: dict[str, dict[str, str]] = field(default_factory=dict)

    def name(self, kind: str, code: str) -> str:
        return self.names.get(kind, {}).get(code, code)

    def names_of(self, kind: str, codes: Iterable[str]) -> list[str]:
        return [self.name(kind, code) for code in codes]

    def with_kept(self, kind: str, kept: Iterable[str]) -> list[tuple[str, str]]:
        """The picker's choices, plus the codes a rule already names that are no longer offered."""
        offered = list(self.choices.get(kind, []))
        known = {code for code, _name in offered}
        return offered + [(code, self.name(kind, code)) for code in dict.fromkeys(kept) if code not in known]


def vocabulary() -> Vocabulary:
    from hotline.reference.services import departments, streets

    english = i18n.is_english()
    off = _("(no longer in use)")
    words = Vocabulary()
    for kind in ("protection_types", "subject_categories", "streets", "urgencies"):
        words.choices[kind] = ref_choices(kind)
    words.choices["channels"] = [(code, str(name)) for code, name in labels.CHANNEL.items()]
    street_office = _("The child's street office")
    words.choices["departments"] = [(STREET, street_office)] + ref_choices("bureaus")
    for kind, choices in words.choices.items():
        words.names[kind] = dict(choices)
    for row in departments():
        if row.code not in words.names["departments"]:
            words.names["departments"][row.code] = f"{(row.name_en or row.name) if english else row.name}{off}"
    for row in streets():
        if row.code not in words.names["streets"]:
            words.names["streets"][row.code] = f"{(row.name_en or row.name) if english else row.name}{off}"
    return words


def rule_title(name: Any) -> str:
    """A rule's name for people: the shipped defaults ("default-relief") by their type's name."""
    text = str(name or "")
    found = _DEFAULT_NAME.fullmatch(text)
    if found and found.group(1) in reference().get("protection_types", {}):
        return _("default rule for %(type)s", type=ref_name(found.group(1), "protection_types"))
    return text


def readable_text(text: Any, words: Vocabulary) -> str:
    """Free text (a rule's description) with the codes it mentions replaced by their names."""
    if not isinstance(text, str):
        return ""
    lookup = {**words.names.get("departments", {}), **words.names.get("protection_types", {})}
    return _CODE_WORD.sub(lambda m: lookup.get(m.group(1), m.group(1)), text)


def policy_text(policy: Any) -> str:
    if not isinstance(policy, Mapping):
        return ""
    unit = "working_days" if policy.get("calendar") == "working_days" else str(policy.get("unit"))
    return _("%(n)s %(unit)s", n=policy.get("amount"), unit=UNIT_NAMES.get(unit, unit))


def describe(rule: Mapping[str, Any], words: Vocabulary) -> dict[str, Any]:
    """One rule in words for the list: conditions, lead, assisting, extras, deadlines."""
    when = rule.get("when") if isinstance(rule.get("when"), Mapping) else {}
    then = rule.get("then") if isinstance(rule.get("then"), Mapping) else {}
    conditions = [
        (str(CONDITION_NAMES[key]), words.names_of(CONDITIONS[key].known, when[key]))
        for key in CONDITIONS
        if key in when and isinstance(when[key], list)
    ]
    extra = then.get("assist_for_other_types") if isinstance(then.get("assist_for_other_types"), Mapping) else {}
    deadlines = then.get("deadlines") if isinstance(then.get("deadlines"), Mapping) else {}
    return {
        "name": rule.get("name"),
        "title": rule_title(rule.get("name")),
        "description": readable_text(rule.get("description"), words),
        "conditions": conditions,
        "lead": words.name("departments", str(then.get("lead") or "")),
        "assist": words.names_of("departments", then.get("assist") or []),
        "extra": [
            (words.name("protection_types", ptype), words.names_of("departments", codes))
            for ptype, codes in extra.items()
            if codes
        ],
        "deadlines": [
            (
                words.name("urgencies", urgency),
                [(str(DEADLINE_NAMES[k]), policy_text(p)) for k, p in policies.items() if k in DEADLINE_NAMES],
            )
            for urgency, policies in deadlines.items()
            if isinstance(policies, Mapping)
        ],
        "catch_all": not when,
        "needs_street": then.get("lead") == STREET,
    }


def describe_all(rules: Sequence[Mapping[str, Any]], words: Vocabulary) -> list[dict[str, Any]]:
    """Every rule in words; a rule after an unconditional one (that needs no street) is never reached."""
    described, blocked_by = [], None
    for number, rule in enumerate(rules, start=1):
        item = describe(rule, words) | {"number": number, "unreachable_after": blocked_by}
        described.append(item)
        if blocked_by is None and item["catch_all"] and not item["needs_street"]:
            blocked_by = number
    return described


# --- a rule as a form --------------------------------------------------------------------


def _deadline_fields(urgency: str) -> tuple[str, ...]:
    return tuple(f"dl_{urgency}_{kind}_{part}" for kind in DEADLINE_KINDS for part in ("amount", "unit"))


def rule_form(words: Vocabulary, rule: Mapping[str, Any] | None = None, formdata: Any = True) -> FlaskForm:
    """A form with a picker for every part of a rule; its choices keep codes the rule already names."""
    rule = rule or {}
    when = rule.get("when") if isinstance(rule.get("when"), Mapping) else {}
    then = rule.get("then") if isinstance(rule.get("then"), Mapping) else {}
    extra = then.get("assist_for_other_types") if isinstance(then.get("assist_for_other_types"), Mapping) else {}
    fields: dict[str, Any] = {
        "name": StringField(_l("Name of the rule"), render_kw={"maxlength": 200, "autocomplete": "off"}),
        "description": TextAreaField(_l("Note (optional)"), render_kw={"rows": 2, "maxlength": 2000}),
        "position": StringField(
            _l("Place in the order (1 = tried first)"), render_kw={"inputmode": "numeric", "size": 4}
        ),
        "lead": LooseSelectField(_l("Lead department"), choices=[]),
        "assist": MultiCheckboxField(_l("Assisting departments"), choices=[]),
    }
    for key in CONDITIONS:
        fields[f"when_{key}"] = MultiCheckboxField(CONDITION_QUESTIONS[key], choices=[])
    for code, _name in words.with_kept("protection_types", extra):
        fields[f"extra_{code}"] = MultiCheckboxField(_l("Assisting departments"), choices=[])
    unit_choices = [("", _("default"))] + [(code, str(name)) for code, name in UNIT_NAMES.items()]
    for code, _name in words.choices.get("urgencies", []):
        for name in _deadline_fields(code):
            if name.endswith("_amount"):
                fields[name] = StringField(DEADLINE_NAMES[name.split("_")[-2]], render_kw={"inputmode": "numeric"})
            else:
                fields[name] = LooseSelectField(_l("Unit"), choices=unit_choices)
    form_class = type("RuleForm", (FlaskForm,), fields)
    form = form_class() if formdata is True else form_class(formdata=formdata)
    kept_departments = [then.get("lead")] if isinstance(then.get("lead"), str) else []
    kept_departments += [c for c in then.get("assist") or [] if isinstance(c, str)]
    form.lead.choices = [("", _("Choose..."))] + words.with_kept("departments", kept_departments)
    form.assist.choices = words.with_kept("departments", kept_departments)
    for key, condition in CONDITIONS.items():
        kept = [c for c in when.get(key) or [] if isinstance(c, str)]
        getattr(form, f"when_{key}").choices = words.with_kept(condition.known, kept)
    for code, name in words.with_kept("protection_types", extra):
        picker = getattr(form, f"extra_{code}")
        picker.label.text = name
        picker.choices = words.with_kept("departments", [c for c in extra.get(code) or [] if isinstance(c, str)])
    return form


def rule_data(rule: Mapping[str, Any], position: int, words: Vocabulary) -> dict[str, Any]:
    """A stored rule as the form's data (codes in its note shown as names)."""
    when = rule.get("when") if isinstance(rule.get("when"), Mapping) else {}
    then = rule.get("then") if isinstance(rule.get("then"), Mapping) else {}
    data: dict[str, Any] = {
        "name": rule.get("name") or "",
        "description": readable_text(rule.get("description"), words),
        "position": str(position),
        "lead": then.get("lead") or "",
        "assist": list(then.get("assist") or []),
    }
    for key in CONDITIONS:
        data[f"when_{key}"] = list(when.get(key) or [])
    for ptype, codes in (then.get("assist_for_other_types") or {}).items():
        data[f"extra_{ptype}"] = list(codes or [])
    for urgency, policies in (then.get("deadlines") or {}).items():
        for kind, policy in (policies or {}).items():
            if isinstance(policy, Mapping):
                calendar = policy.get("calendar")
                data[f"dl_{urgency}_{kind}_amount"] = str(policy.get("amount", ""))
                data[f"dl_{urgency}_{kind}_unit"] = "working_days" if calendar == "working_days" else policy.get("unit")
    return data


def _in_order(picked: Iterable[str] | None, before: Iterable[str] | None) -> list[str]:
    """The ticked codes, those the rule had first in its own order (assisting order is kept)."""
    chosen = [code for code in picked or [] if code]
    earlier = [code for code in before or [] if code in chosen]
    return list(dict.fromkeys(earlier + chosen))


def form_rule(
    form: FlaskForm, words: Vocabulary, before: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The rule the form describes, and what the form itself cannot read (a deadline without a
    number, say) by field name. Whether the rule is valid is the service's to say."""
    before = before or {}
    old_when = before.get("when") if isinstance(before.get("when"), Mapping) else {}
    old_then = before.get("then") if isinstance(before.get("then"), Mapping) else {}
    old_extra = old_then.get("assist_for_other_types")
    old_extra = old_extra if isinstance(old_extra, Mapping) else {}
    problems: dict[str, str] = {}
    rule: dict[str, Any] = {"name": (form.name.data or "").strip()}
    note = (form.description.data or "").strip()
    if note and note == readable_text(before.get("description"), words).strip():
        rule["description"] = before["description"]  # shown with names for codes, left as it was
    elif note:
        rule["description"] = note
    rule["when"] = {}
    for key in CONDITIONS:
        values = _in_order(getattr(form, f"when_{key}").data, old_when.get(key))
        if values:
            rule["when"][key] = values
    then: dict[str, Any] = {
        "lead": form.lead.data or "",
        "assist": _in_order(form.assist.data, old_then.get("assist")),
    }
    extra = {}
    for name in form._fields:
        if name.startswith("extra_"):
            ptype = name.removeprefix("extra_")
            values = _in_order(getattr(form, name).data, old_extra.get(ptype))
            if values:
                extra[ptype] = values
    if extra:
        then["assist_for_other_types"] = extra
    deadlines: dict[str, dict[str, Any]] = {}
    for name in form._fields:
        if not (name.startswith("dl_") and name.endswith("_amount")):
            continue
        urgency, kind = name.removeprefix("dl_").removesuffix("_amount").rsplit("_", 1)
        amount = (getattr(form, name).data or "").strip()
        unit = getattr(form, f"dl_{urgency}_{kind}_unit").data or ""
        if not amount and not unit:
            continue
        if not amount.isdigit() or int(amount) < 1 or int(amount) > 10_000:
            problems[name] = _("Enter a whole number from 1 to 10000.")
            continue
        if unit not in UNITS:
            problems[f"dl_{urgency}_{kind}_unit"] = _("Choose a unit.")
            continue
        stored_unit, calendar = UNITS[unit]
        deadlines.setdefault(urgency, {})[kind] = {"unit": stored_unit, "amount": int(amount), "calendar": calendar}
    if deadlines:
        then["deadlines"] = deadlines
    rule["then"] = then
    return rule, problems


def form_position(form: FlaskForm, highest: int) -> tuple[int | None, str | None]:
    """The place asked for (1-based), or why it cannot be read."""
    text = (form.position.data or "").strip()
    if not text:
        return highest, None
    if not text.isdigit() or not 1 <= int(text) <= highest:
        return None, _("Enter a whole number from 1 to %(n)s.", n=highest)
    return int(text), None


def placed(rules: Sequence[Any], rule: Any, position: int, replacing: int | None = None) -> list[Any]:
    """The set with ``rule`` at ``position`` (1-based), instead of the one at ``replacing`` (0-based)."""
    others = [r for i, r in enumerate(rules) if i != replacing]
    return [*others[: position - 1], rule, *others[position - 1 :]]


def field_for(path: Sequence[str]) -> str | None:
    """The form field that shows an error at this path of a rule."""
    if not path:
        return None
    if path[0] in ("name", "description"):
        return path[0]
    if path[0] == "when" and len(path) > 1 and path[1] in CONDITIONS:
        return f"when_{path[1]}"
    if path[0] != "then" or len(path) < 2:
        return None
    if path[1] in ("lead", "assist"):
        return path[1]
    if path[1] == "assist_for_other_types" and len(path) > 2:
        return f"extra_{path[2]}"
    if path[1] == "deadlines" and len(path) > 2:
        kind = path[3] if len(path) > 3 and path[3] in DEADLINE_KINDS else "sign"
        return f"dl_{path[2]}_{kind}_amount"
    return None


# --- the service's errors, named by rule and field ----------------------------------------


def field_label(path: Sequence[str], words: Vocabulary) -> str:
    """Where in a rule an error is, in words."""
    parts = [p for p in path if p != "_schema"]
    if not parts:
        return ""
    head = parts[0]
    if head == "name":
        return _("Name of the rule")
    if head == "description":
        return _("Note")
    if head == "when":
        if len(parts) > 1:
            return (
                str(CONDITION_NAMES[parts[1]]) if parts[1] in CONDITION_NAMES else _("Condition %(key)s", key=parts[1])
            )
        return _("Conditions")
    if head == "then" and len(parts) > 1:
        if parts[1] == "lead":
            return _("Lead department")
        if parts[1] == "assist":
            return _("Assisting departments")
        if parts[1] == "assist_for_other_types":
            if len(parts) > 2:
                return _("Extra assisting departments for %(type)s", type=words.name("protection_types", parts[2]))
            return _("Extra assisting departments")
        if parts[1] == "deadlines":
            if len(parts) > 2:
                where = _("Deadlines for %(urgency)s", urgency=words.name("urgencies", parts[2]))
                if len(parts) > 3 and parts[3] in DEADLINE_NAMES:
                    where += " · " + str(DEADLINE_NAMES[parts[3]])
                return where
            return _("Deadlines")
        return _("Field %(key)s", key=parts[1])
    if head == "then":
        return _("Departments")
    return _("Field %(key)s", key=head)


_UNKNOWN_KINDS = {"未知部门": "departments", "未知保护类型": "protection_types", "未知紧急程度": "urgencies"}


def error_text(message: Any, words: Vocabulary, path: Sequence[str] = ()) -> str:
    """A rules service message in the page's language, with the codes it names as names
    (the kind of code from the message, or from the condition at ``path``)."""
    body = _RULE_PREFIX.sub("", str(message))
    if i18n.is_english():
        return page_text(body)
    codes = _QUOTED.findall(body)
    bare = _QUOTED.sub("", body)
    if not codes and (listed := _LISTED.search(bare)):
        codes = [c.strip() for c in listed.group(1).split(",") if c.strip()]
        bare = bare[: listed.start()]
    text = page_text(bare)  # the codes are left out first: a code may be in Chinese, the words around it not
    if body.startswith("名称重复") and (other := _DUPLICATE_OF.search(body)):
        return text + _(" (rule %(n)s has the same name)", n=other.group(1))
    if codes and text.startswith("未知"):
        kind = next((k for prefix, k in _UNKNOWN_KINDS.items() if text.startswith(prefix)), None)
        if kind is None and len(path) > 1 and path[0] == "when" and path[1] in CONDITIONS:
            kind = CONDITIONS[path[1]].known
        text += "：" + "、".join(words.name(kind, code) if kind else code for code in codes)
    return text


def rule_label(number: int, rule: Any) -> str:
    name = rule.get("name") if isinstance(rule, Mapping) else None
    if isinstance(name, str) and name.strip():
        return _("Rule %(n)s “%(name)s”", n=number, name=rule_title(name))
    return _("Rule no. %(n)s", n=number)


def set_errors(
    errors: Mapping[str, Any], rules: Sequence[Any], words: Vocabulary
) -> list[tuple[int | None, tuple[str, ...], str]]:
    """The service's errors for a rule set as (rule position or None, field path, message)."""
    found: list[tuple[int | None, tuple[str, ...], str]] = []

    def walk(node: Any, position: int | None, path: tuple[str, ...]) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                walk(value, position, (*path, str(key)))
        else:
            for message in node if isinstance(node, list) else [node]:
                found.append((position, path, error_text(message, words, path)))

    for key, value in (errors or {}).items():
        if str(key).isdigit() and int(key) < len(rules):
            walk(value, int(key), ())
        else:
            walk(value, None, ())
    return found


def error_lines(
    errors: Iterable[tuple[int | None, tuple[str, ...], str]], rules: Sequence[Any], words: Vocabulary
) -> list[str]:
    """Each error as one line naming the rule and the field: 第3条规则「x」· 主办部门：未知部门：y."""
    lines = []
    for position, path, message in errors:
        where = [rule_label(position + 1, rules[position])] if position is not None else []
        if label := field_label(path, words):
            where.append(label)
        colon = ": " if i18n.is_english() else "："
        lines.append(("·".join(where) + colon if where else "") + message)
    return lines


# --- import, order, preview ---------------------------------------------------------------


def parse_import(raw: bytes | str) -> tuple[Any, str | None]:
    """The rules in an uploaded or pasted JSON text (an export, or a bare list), or why not."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None, _("The file is not UTF-8 text: export it again, or paste its text.")
    if not raw.strip():
        return None, _("Choose a file or paste the rules.")
    try:
        payload = json.loads(raw)
    except json.JSONDecodeError as exc:
        return None, _("Not valid JSON: look at line %(line)s, column %(col)s.", line=exc.lineno, col=exc.colno)
    rules = payload.get("rules") if isinstance(payload, dict) else payload
    if not isinstance(rules, list):
        return None, _("The JSON must be a list of rules, or an object with a “rules” list (as the export gives).")
    return payload, None


def new_order(count: int, numbers: Mapping[int, str], move: str | None) -> tuple[list[int] | None, dict[int, str]]:
    """The rules' old positions in their new order, from an up/down button (``"3:up"``) or
    from the numbers typed beside them; or the numbers that cannot be read."""
    order = list(range(count))
    if move:
        index, _sep, direction = move.partition(":")
        if not index.isdigit() or int(index) >= count or direction not in ("up", "down"):
            return order, {}
        i = int(index)
        j = i - 1 if direction == "up" else i + 1
        if 0 <= j < count:
            order[i], order[j] = order[j], order[i]
        return order, {}
    wanted: dict[int, int] = {}
    bad: dict[int, str] = {}
    for i in range(count):
        text = (numbers.get(i) or "").strip()
        if not text:
            wanted[i] = i + 1
        elif text.isdigit() and 1 <= int(text) <= count:
            wanted[i] = int(text)
        else:
            bad[i] = _("Enter a whole number from 1 to %(n)s.", n=count)
    if bad:
        return None, bad
    # A rule given a new number goes before the one that had it, which moves down.
    return sorted(order, key=lambda i: (wanted[i], wanted[i] == i + 1, i)), {}


def sample_form(rule: Mapping[str, Any] | None = None, formdata: Any = None) -> RuleSampleForm:
    """The sample ticket beside the editor; unfilled, it takes a ticket the rule would match."""
    form = RuleSampleForm(formdata=formdata, prefix="sample", meta={"csrf": False})
    form.primary.choices = ref_choices("protection_types", blank=_("Choose..."))
    form.others.choices = ref_choices("protection_types")
    form.categories.choices = ref_choices("subject_categories")
    form.street.choices = ref_choices("streets", blank=_("None"))
    form.urgency.choices = ref_choices("urgencies", blank=_("None"))
    form.channel.choices = [("", _("None"))] + [(code, str(name)) for code, name in labels.CHANNEL.items()]
    if formdata is None or not any(key.startswith("sample-") for key in formdata):
        when = (rule or {}).get("when") or {}

        def first(key: str, kind: str, fallback: str | None = None) -> str | None:
            listed = [c for c in when.get(key) or [] if c in reference().get(kind, {})]
            return listed[0] if listed else fallback

        types = list(reference().get("protection_types", {}))
        streets = list(reference().get("streets", {}))
        form.primary.data = first("primary_protection_type", "protection_types") or first(
            "protection_types", "protection_types", types[0] if types else None
        )
        form.others.data = [c for c in [first("other_protection_types", "protection_types")] if c]
        form.categories.data = [c for c in [first("subject_categories", "subject_categories")] if c]
        form.street.data = first("streets", "streets", streets[0] if streets else None)
        form.urgency.data = first("urgencies", "urgencies", DEFAULT_URGENCY)
        channels = [c for c in when.get("channels") or [] if c in labels.CHANNEL]
        form.channel.data = channels[0] if channels else ""
    return form


def sample_ticket(form: RuleSampleForm) -> dict[str, Any]:
    """The sample as a ticket body, as ``POST /api/v1/dispatch/preview`` takes it."""
    primary = (form.primary.data or "").strip()
    others = [c for c in form.others.data or [] if c and c != primary]
    body: dict[str, Any] = {
        "protection_types": [primary, *others] if primary else others,
        "subject_categories": [c for c in form.categories.data or [] if c],
    }
    if form.street.data:
        body["location"] = {"street": form.street.data}
    for key in ("urgency", "channel"):
        if value := getattr(form, key).data:
            body[key] = value
    return body


def usual_deadlines() -> list[tuple[str, str, str, str]]:
    """Each urgency's own deadlines, (code, name, sign for, feedback), beside the rule's overrides."""
    rows = []
    for code, item in reference().get("urgencies", {}).items():
        usual = item.get("deadlines") or {}
        rows.append(
            (code, ref_name(code, "urgencies"), policy_text(usual.get("sign")), policy_text(usual.get("feedback")))
        )
    return rows
