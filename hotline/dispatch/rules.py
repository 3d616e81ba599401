"""Dispatch rules as ordered data, and the one function that applies them.

Pure: the standard library (and the pure deadline module, to check policies) only.

A rule set is a list of rules; the first rule whose conditions all hold *and* that can name
a lead department wins (first match). A rule is a JSON object::

    {
      "name": "default-relief",                 # unique; stored on the ticket and explained
      "description": "...",                     # optional, free text
      "when": {                                 # every key optional; all present keys must hold
        "primary_protection_type": ["relief"],  # the ticket's first protection type is one of these
        "protection_types": ["medical"],        # any of the ticket's protection types is one of these
        "other_protection_types": ["mental"],   # any of the ticket's non-primary types is one of these
        "subject_categories": ["street_child"], # any of the ticket's categories is one of these
        "streets": ["jiangyuan"],               # the child's street is one of these
        "urgencies": ["urgent"],                # the ticket's urgency is one of these
        "channels": ["phone"]                   # the ticket's channel is one of these
      },
      "then": {
        "lead": "civil_affairs",                # a department code, or "street"
        "assist": ["public_security", "street"],
        "assist_for_other_types": {"education": ["education"]},  # added for each other type present
        "deadlines": {"urgent": {"feedback": {"unit": "days", "amount": 1, "calendar": "working_days"}}}
      }
    }

``"street"`` means the street office of the child's street (``street:<code>``). A rule whose
lead is ``"street"`` cannot route a ticket without a street and is passed over; an assisting
``"street"`` is skipped when no street is known. Departments are never repeated and the lead
is never also an assistant. No matching rule: a ``Decision`` without assignments (the ticket
stays ``new`` for a person to dispatch).

Evaluation is independent of the number of rules: each condition is compiled into bit masks
(one bit per rule), so the candidates are found by a handful of integer ANDs.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hotline.tickets.calendar import due_at

STREET = "street"
STREET_PREFIX = "street:"
ROLES = ("lead", "assist")


@dataclass(frozen=True)
class Condition:
    key: str
    known: str  # which reference list its values come from
    fact: str  # the TicketFacts attribute it looks at
    multi: bool  # the fact is a list (match when any item is listed)
    zh: str
    en: str


CONDITIONS: dict[str, Condition] = {
    c.key: c
    for c in (
        Condition(
            "primary_protection_type", "protection_types", "primary", False, "主要保护类型", "primary protection type"
        ),
        Condition("protection_types", "protection_types", "protection_types", True, "保护类型", "protection type"),
        Condition(
            "other_protection_types", "protection_types", "others", True, "其他保护类型", "other protection type"
        ),
        Condition(
            "subject_categories", "subject_categories", "subject_categories", True, "保护对象", "subject category"
        ),
        Condition("streets", "streets", "street", False, "街道", "street"),
        Condition("urgencies", "urgencies", "urgency", False, "紧急程度", "urgency"),
        Condition("channels", "channels", "channel", False, "渠道", "channel"),
    )
}
RULE_KEYS = {"name", "description", "when", "then"}
ACTION_KEYS = {"lead", "assist", "assist_for_other_types", "deadlines"}
DEADLINE_KINDS = ("sign", "feedback")
_POLICY_PROBE = datetime(2024, 1, 2, 9, 0, tzinfo=UTC)


class RuleSetError(ValueError):
    """A rule set that does not validate; ``errors`` is what ``validate_rules`` returned."""

    def __init__(self, errors: dict[str, Any]):
        super().__init__(f"invalid rule set: {errors}")
        self.errors = errors


# --- facts and decisions ------------------------------------------------------------------


@dataclass(frozen=True)
class TicketFacts:
    """What the rules may look at. ``protection_types[0]`` is the primary type."""

    protection_types: tuple[str, ...] = ()
    subject_categories: tuple[str, ...] = ()
    street: str | None = None
    urgency: str | None = None
    channel: str | None = None

    @property
    def primary(self) -> str | None:
        return self.protection_types[0] if self.protection_types else None

    @property
    def others(self) -> tuple[str, ...]:
        return self.protection_types[1:]

    @classmethod
    def of(cls, data: TicketFacts | Mapping[str, Any]) -> TicketFacts:
        """From a ticket body (``location.street``) or a flat mapping (``street``)."""
        if isinstance(data, TicketFacts):
            return data
        location = data.get("location") or {}
        street = data.get("street") or (location.get("street") if isinstance(location, Mapping) else None)
        return cls(
            protection_types=tuple(dict.fromkeys(data.get("protection_types") or ())),
            subject_categories=tuple(dict.fromkeys(data.get("subject_categories") or ())),
            street=street or None,
            urgency=data.get("urgency") or None,
            channel=data.get("channel") or None,
        )


@dataclass(frozen=True)
class Assignment:
    bureau: str
    role: str  # lead|assist
    reason_zh: str = ""
    reason_en: str = ""


@dataclass(frozen=True)
class Decision:
    assignments: tuple[Assignment, ...]
    rule: str | None
    explanation: str
    rule_index: int | None = None
    # The matched rule's deadline policies for the ticket's urgency: {"sign"?: policy, "feedback"?: policy}.
    deadlines: Mapping[str, Any] = field(default_factory=dict)

    @property
    def routed(self) -> bool:
        return bool(self.assignments)

    def as_dict(self) -> dict[str, Any]:
        return {
            "assignments": [{"bureau": a.bureau, "role": a.role} for a in self.assignments],
            "rule": self.rule,
            "explanation": self.explanation,
        }


# --- validation ---------------------------------------------------------------------------


def _add(errors: dict, path: Sequence[str], message: str) -> None:
    node = errors
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node.setdefault(path[-1], []).append(message)


def _is_codes(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


def validate_rules(rules: Any, known: Mapping[str, Collection[str]] | None = None) -> dict[str, Any]:
    """Errors in a rule set, ``{}`` when it is valid.

    The errors are keyed by the rule's position (``"0"``, ``"1"``...) and then by field
    (``{"2": {"then": {"lead": ["rule #3 'x': unknown department 'bogus' 未知部门"]}}}``); each
    message names the rule by number and name. ``known`` maps ``departments``,
    ``protection_types``, ``subject_categories``, ``streets``, ``urgencies`` and ``channels`` to
    their valid codes; a list left out is not checked.
    """
    known = known or {}
    if not isinstance(rules, list):
        return {"_schema": ["规则集必须是列表 the rule set must be a list of rules"]}
    errors: dict[str, Any] = {}
    seen: dict[str, int] = {}
    for index, rule in enumerate(rules):
        position = str(index)
        if not isinstance(rule, Mapping):
            _add(errors, [position, "_schema"], f"rule #{index + 1}: 每条规则必须是对象 must be an object")
            continue
        name = rule.get("name")
        label = f"rule #{index + 1} '{name}'" if isinstance(name, str) and name else f"rule #{index + 1}"

        def err(path: Sequence[str], message: str, _position=position, _label=label) -> None:
            _add(errors, [_position, *path], f"{_label}: {message}")

        for key in sorted(set(rule) - RULE_KEYS):
            err([key], "未知字段 unknown field")
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            err(["name"], "名称必填，最多200字 a name (1-200 characters) is required")
        elif name in seen:
            err(["name"], f"名称重复 duplicate name (also rule #{seen[name] + 1})")
        else:
            seen[name] = index
        if "description" in rule and not isinstance(rule["description"], str | None):
            err(["description"], "必须是文本 must be text")
        _validate_when(rule.get("when", {}), known, err)
        _validate_then(rule.get("then"), known, err)
    return errors


def _validate_when(when: Any, known: Mapping[str, Collection[str]], err) -> None:
    if not isinstance(when, Mapping):
        err(["when"], "必须是对象 must be an object")
        return
    for key, values in when.items():
        condition = CONDITIONS.get(key)
        if condition is None:
            err(["when", key], f"未知条件 unknown condition (one of {', '.join(CONDITIONS)})")
        elif not _is_codes(values) or not values:
            err(["when", key], "必须是非空的代码列表 must be a non-empty list of codes")
        elif condition.known in known:
            bad = [v for v in values if v not in known[condition.known]]
            if bad:
                err(["when", key], f"未知代码 unknown {condition.en} code(s): {', '.join(bad)}")


def _check_departments(values: Iterable[str], known: Mapping[str, Collection[str]]) -> list[str]:
    departments = known.get("departments")
    if departments is None:
        return []
    return [v for v in values if v != STREET and v not in departments]


def _validate_then(then: Any, known: Mapping[str, Collection[str]], err) -> None:
    if not isinstance(then, Mapping):
        err(["then"], "必填，必须是对象 required, must be an object with a lead")
        return
    for key in sorted(set(then) - ACTION_KEYS):
        err(["then", key], "未知字段 unknown field")
    lead = then.get("lead")
    if not isinstance(lead, str) or not lead:
        err(["then", "lead"], '主办部门必填 a lead department code (or "street") is required')
    elif _check_departments([lead], known):
        err(["then", "lead"], f"未知部门 unknown department '{lead}'")
    assist = then.get("assist", [])
    if not isinstance(assist, list) or not _is_codes(assist):
        err(["then", "assist"], "必须是部门代码列表 must be a list of department codes")
    elif bad := _check_departments(assist, known):
        err(["then", "assist"], f"未知部门 unknown department(s): {', '.join(bad)}")
    extra = then.get("assist_for_other_types", {})
    if not isinstance(extra, Mapping):
        err(["then", "assist_for_other_types"], "必须是对象 must map protection types to department lists")
    else:
        for ptype, departments in extra.items():
            if "protection_types" in known and ptype not in known["protection_types"]:
                err(["then", "assist_for_other_types", ptype], f"未知保护类型 unknown protection type '{ptype}'")
            if not _is_codes(departments):
                err(["then", "assist_for_other_types", ptype], "必须是部门代码列表 must be a list of department codes")
            elif bad := _check_departments(departments, known):
                err(["then", "assist_for_other_types", ptype], f"未知部门 unknown department(s): {', '.join(bad)}")
    _validate_deadlines(then.get("deadlines", {}), known, err)


def _validate_deadlines(deadlines: Any, known: Mapping[str, Collection[str]], err) -> None:
    if not isinstance(deadlines, Mapping):
        err(["then", "deadlines"], "必须是对象 must map urgency codes to {sign?, feedback?} policies")
        return
    for urgency, policies in deadlines.items():
        path = ["then", "deadlines", urgency]
        if "urgencies" in known and urgency not in known["urgencies"]:
            err(path, f"未知紧急程度 unknown urgency '{urgency}'")
        if not isinstance(policies, Mapping) or not policies or set(policies) - set(DEADLINE_KINDS):
            err(path, "必须是 {sign?, feedback?} must be an object with 'sign' and/or 'feedback'")
            continue
        for kind, policy in policies.items():
            try:
                due_at(_POLICY_PROBE, policy)
            except (ValueError, TypeError) as exc:
                err([*path, kind], f"时限策略无效 invalid deadline policy: {exc}")


# --- compiling and evaluating -------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    index: int
    name: str
    when: dict[str, frozenset[str]]
    lead: str
    assist: tuple[str, ...]
    assist_for_other_types: dict[str, tuple[str, ...]]
    deadlines: dict[str, dict[str, Any]]


class CompiledRules:
    """A validated rule set turned into bit masks; build once per rules version, then reuse."""

    def __init__(self, rules: Sequence[Mapping[str, Any]]):
        errors = validate_rules(list(rules))
        if errors:
            raise RuleSetError(errors)
        self.rules: list[_Rule] = []
        self.all = (1 << len(rules)) - 1
        # Per condition: rules without it (pass every ticket), and per value the rules listing it.
        self.free: dict[str, int] = {key: 0 for key in CONDITIONS}
        self.by_value: dict[str, dict[str, int]] = {key: {} for key in CONDITIONS}
        for index, raw in enumerate(rules):
            when = {k: frozenset(v) for k, v in (raw.get("when") or {}).items()}
            then = raw["then"]
            self.rules.append(
                _Rule(
                    index=index,
                    name=raw["name"],
                    when=when,
                    lead=then["lead"],
                    assist=tuple(then.get("assist", ())),
                    assist_for_other_types={k: tuple(v) for k, v in (then.get("assist_for_other_types") or {}).items()},
                    deadlines=dict(then.get("deadlines") or {}),
                )
            )
            bit = 1 << index
            for key in CONDITIONS:
                if key not in when:
                    self.free[key] |= bit
                    continue
                table = self.by_value[key]
                for value in when[key]:
                    table[value] = table.get(value, 0) | bit
        self._conditions = [(key, c.fact, c.multi) for key, c in CONDITIONS.items()]

    def __len__(self) -> int:
        return len(self.rules)

    def candidates(self, facts: TicketFacts) -> int:
        """The bit mask of rules whose conditions all hold for ``facts``."""
        mask = self.all
        for key, fact, multi in self._conditions:
            table = self.by_value[key]
            allowed = self.free[key]
            if multi:
                for value in getattr(facts, fact):
                    allowed |= table.get(value, 0)
            else:
                value = getattr(facts, fact)
                if value is not None:
                    allowed |= table.get(value, 0)
            mask &= allowed
            if not mask:
                break
        return mask


def compile_rules(rules: Sequence[Mapping[str, Any]] | CompiledRules) -> CompiledRules:
    return rules if isinstance(rules, CompiledRules) else CompiledRules(rules)


def evaluate(
    rules: Sequence[Mapping[str, Any]] | CompiledRules,
    ticket: TicketFacts | Mapping[str, Any],
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> Decision:
    """Route a ticket: the first rule that matches and can name a lead, explained.

    ``labels`` (optional) maps ``departments``/``protection_types``/... to code -> name, so the
    explanation reads "区民政局(civil_affairs)" instead of the bare code.
    """
    compiled = compile_rules(rules)
    facts = TicketFacts.of(ticket)
    words = _Words(labels or {})
    mask = compiled.candidates(facts)
    passed_over: list[_Rule] = []
    while mask:
        low = mask & -mask
        mask ^= low
        rule = compiled.rules[low.bit_length() - 1]
        assignments, notes = _resolve(rule, facts, words)
        if assignments is None:
            passed_over.append(rule)
            continue
        return Decision(
            assignments=assignments,
            rule=rule.name,
            explanation=_explain(rule, facts, assignments, notes, passed_over, words),
            rule_index=rule.index,
            deadlines=rule.deadlines.get(facts.urgency or "", {}),
        )
    return Decision(assignments=(), rule=None, explanation=_explain_no_match(compiled, facts, passed_over, words))


def _street_office(facts: TicketFacts) -> str | None:
    return STREET_PREFIX + facts.street if facts.street else None


def _resolve(
    rule: _Rule, facts: TicketFacts, words: _Words
) -> tuple[tuple[Assignment, ...] | None, list[tuple[str, str]]]:
    """The rule's assignments for these facts, or None when it cannot name a lead."""
    office = _street_office(facts)
    lead = office if rule.lead == STREET else rule.lead
    if lead is None:
        return None, []
    chosen = [
        Assignment(
            lead,
            "lead",
            "儿童所在街道" if rule.lead == STREET else "",
            "the child's street office" if rule.lead == STREET else "",
        )
    ]
    taken = {lead}
    notes: list[tuple[str, str]] = []

    def add(code: str, zh: str, en: str) -> None:
        if code == STREET:
            if office is None:
                note = ("未知儿童所在街道，未派街道办协办", "no street known, so no street office assists")
                if note not in notes:
                    notes.append(note)
                return
            code, zh, en = office, zh or "儿童所在街道", en or "the child's street office"
        if code not in taken:
            taken.add(code)
            chosen.append(Assignment(code, "assist", zh, en))

    for code in rule.assist:
        add(code, "", "")
    for ptype in facts.others:
        for code in rule.assist_for_other_types.get(ptype, ()):
            add(code, "其他保护类型 " + words.zh("protection_types", ptype), "other protection type " + ptype)
    return tuple(chosen), notes


class _Words:
    def __init__(self, labels: Mapping[str, Mapping[str, str]]):
        self.labels = labels

    def zh(self, kind: str, code: str) -> str:
        name = self.labels.get(kind, {}).get(code)
        return f"{name}({code})" if name else code

    def department(self, code: str) -> str:
        return self.zh("departments", code)


def _because(rule: _Rule, facts: TicketFacts, words: _Words) -> tuple[str, str]:
    if not rule.when:
        return "无条件（兜底规则）", "it has no conditions (catch-all)"
    zh, en = [], []
    for key, condition in CONDITIONS.items():
        if key not in rule.when:
            continue
        value = getattr(facts, condition.fact)
        hits = [v for v in value if v in rule.when[key]] if condition.multi else [value]
        zh.append(f"{condition.zh}为 " + "、".join(words.zh(condition.known, v) for v in hits))
        en.append(f"{condition.en} is " + ", ".join(hits))
    return "；".join(zh), "; ".join(en)


def _explain(
    rule: _Rule,
    facts: TicketFacts,
    assignments: tuple[Assignment, ...],
    notes: list[tuple[str, str]],
    passed_over: list[_Rule],
    words: _Words,
) -> str:
    because_zh, because_en = _because(rule, facts, words)
    lead, assists = assignments[0], assignments[1:]

    def zh_item(a: Assignment) -> str:
        return words.department(a.bureau) + (f"〔{a.reason_zh}〕" if a.reason_zh else "")

    def en_item(a: Assignment) -> str:
        return a.bureau + (f" ({a.reason_en})" if a.reason_en else "")

    zh = f"匹配规则 #{rule.index + 1}「{rule.name}」：{because_zh}。主办：{zh_item(lead)}"
    zh += "；协办：" + "、".join(zh_item(a) for a in assists) + "。" if assists else "；无协办。"
    en = f"Rule #{rule.index + 1} '{rule.name}' matched because {because_en}. Lead: {en_item(lead)}"
    en += "; assisting: " + ", ".join(en_item(a) for a in assists) + "." if assists else "; no assisting departments."
    for note_zh, note_en in notes:
        zh += note_zh + "。"
        en += " " + note_en[0].upper() + note_en[1:] + "."
    if passed_over:
        names = ", ".join(f"#{r.index + 1} '{r.name}'" for r in passed_over)
        zh += f"（跳过规则 {names}：主办为街道办但未知街道。）"
        en += f" (Passed over {names}: the lead is the street office but no street is known.)"
    return zh + "\n" + en


def _explain_no_match(compiled: CompiledRules, facts: TicketFacts, passed_over: list[_Rule], words: _Words) -> str:
    primary = words.zh("protection_types", facts.primary) if facts.primary else "未填"
    zh = f"没有规则可以派单（共 {len(compiled)} 条规则；主要保护类型：{primary}），工单保持「待派单」，请人工派单。"
    en = (
        f"No rule routes this ticket ({len(compiled)} rules; primary protection type: {facts.primary or 'none'}); "
        "it stays new for a person to dispatch."
    )
    if passed_over:
        names = ", ".join(f"#{r.index + 1} '{r.name}'" for r in passed_over)
        zh += f"（规则 {names} 条件相符，但主办为街道办而未知街道。）"
        en += f" (Rules {names} matched but need the child's street, which is unknown.)"
    return zh + "\n" + en


# --- the shipped default set --------------------------------------------------------------


def default_rules(protection_types: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The contract's defaults, one rule per protection type, from the reference data.

    ``protection_types`` are ``{"code", "name"?, "departments"}`` in the plan's order: the
    primary type's first department leads; the child's street office assists where the type
    lists "street"; every other protection type on the ticket adds its own lead as an assist.
    """
    leads = {t["code"]: t["departments"][0] for t in protection_types if t.get("departments")}
    rules = []
    for ptype in protection_types:
        code, departments = ptype["code"], list(ptype.get("departments") or ())
        if not departments:
            continue
        lead = departments[0]
        rules.append(
            {
                "name": f"default-{code}",
                "description": f"{ptype.get('name', code)}：{lead} 主办"
                + ("，儿童所在街道办协办" if STREET in departments[1:] else "")
                + "；其他保护类型的主办部门协办。",
                "when": {"primary_protection_type": [code]},
                "then": {
                    "lead": lead,
                    "assist": [STREET] if STREET in departments[1:] else [],
                    "assist_for_other_types": {other: [dept] for other, dept in leads.items() if other != code},
                },
            }
        )
    return rules
