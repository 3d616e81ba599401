"""The dispatch rules engine, table-driven, without a database."""

from __future__ import annotations

import copy
import tomllib

import pytest

from hotline.dispatch.rules import (
    CompiledRules,
    RuleSetError,
    TicketFacts,
    default_rules,
    evaluate,
    validate_rules,
)
from hotline.reference.services import DATA_FILE

REFERENCE = tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))
TYPES = REFERENCE["protection_types"]
DEFAULTS = default_rules(TYPES)
KNOWN = {
    "departments": {d["code"] for d in REFERENCE["departments"]}
    | {f"street:{s['code']}" for s in REFERENCE["streets"]},
    "protection_types": {t["code"] for t in TYPES},
    "subject_categories": {c["code"] for c in REFERENCE["subject_categories"]},
    "streets": {s["code"] for s in REFERENCE["streets"]},
    "urgencies": {u["code"] for u in REFERENCE["urgencies"]},
    "channels": {"phone", "sms", "voicemail", "web", "walk_in"},
}


def routed(decision) -> list[tuple[str, str]]:
    return [(a.bureau, a.role) for a in decision.assignments]


def test_the_default_set_is_valid_and_one_rule_per_type():
    assert validate_rules(DEFAULTS, KNOWN) == {}
    assert [r["name"] for r in DEFAULTS] == [f"default-{t['code']}" for t in TYPES]


# Every protection type as the primary type, with and without a street (REFERENCE.md's table).
PRIMARY_CASES = [
    # primary, street, expected assignments
    ("relief", "jiangyuan", [("civil_affairs", "lead"), ("street:jiangyuan", "assist")]),
    ("relief", None, [("civil_affairs", "lead")]),
    ("education", "sunjiapuzi", [("education", "lead"), ("street:sunjiapuzi", "assist")]),
    ("education", None, [("education", "lead")]),
    ("judicial", "jiangyuan", [("public_security", "lead")]),  # judicial lists no street office
    ("judicial", None, [("public_security", "lead")]),
    ("employment", "zhengcha", [("employment", "lead")]),  # nor does employment
    ("medical", "chengqiang", [("medical_insurance", "lead"), ("street:chengqiang", "assist")]),
    ("medical", None, [("medical_insurance", "lead")]),
    ("mental", "zhengcha", [("health", "lead"), ("street:zhengcha", "assist")]),
    ("mental", None, [("health", "lead")]),
]


@pytest.mark.parametrize("primary, street, expected", PRIMARY_CASES)
def test_every_protection_type_as_primary(primary, street, expected):
    decision = evaluate(DEFAULTS, TicketFacts(protection_types=(primary,), street=street))
    assert routed(decision) == expected
    assert decision.rule == f"default-{primary}"
    assert f"default-{primary}" in decision.explanation
    assert "matched" in decision.explanation and "匹配" in decision.explanation
    if street is None and any(d == "street" for t in TYPES if t["code"] == primary for d in t["departments"]):
        assert "No street known" in decision.explanation


# Secondary protection types add their own lead as an assist; nothing twice; the lead never assists.
SECONDARY_CASES = [
    (
        ("relief", "education"),
        "jiangyuan",
        [("civil_affairs", "lead"), ("street:jiangyuan", "assist"), ("education", "assist")],
    ),
    (
        ("relief", "education", "medical", "mental"),
        None,
        [("civil_affairs", "lead"), ("education", "assist"), ("medical_insurance", "assist"), ("health", "assist")],
    ),
    (("judicial", "relief"), "jiangyuan", [("public_security", "lead"), ("civil_affairs", "assist")]),
    # mental leads with health; medical's lead is medical_insurance, so both appear once.
    (
        ("mental", "medical"),
        "zhengcha",
        [("health", "lead"), ("street:zhengcha", "assist"), ("medical_insurance", "assist")],
    ),
    # a secondary type whose lead is the primary's lead adds nothing (no lead-and-assist).
    (("relief", "relief"), None, [("civil_affairs", "lead")]),
    (
        ("employment", "education", "judicial"),
        "chengqiang",
        [("employment", "lead"), ("education", "assist"), ("public_security", "assist")],
    ),
]


@pytest.mark.parametrize("types, street, expected", SECONDARY_CASES)
def test_secondary_types_add_their_lead_as_assist(types, street, expected):
    decision = evaluate(DEFAULTS, {"protection_types": list(types), "location": {"street": street}})
    assert routed(decision) == expected
    bureaus = [b for b, _ in routed(decision)]
    assert len(bureaus) == len(set(bureaus))


def test_no_protection_type_falls_back_to_new():
    decision = evaluate(DEFAULTS, TicketFacts(street="jiangyuan", urgency="emergency"))
    assert decision.assignments == () and decision.rule is None and not decision.routed
    assert "No rule routes this ticket" in decision.explanation
    assert "待派单" in decision.explanation


CUSTOM = [
    {
        "name": "street-children-in-jiangyuan",
        "when": {"subject_categories": ["street_child"], "streets": ["jiangyuan"]},
        "then": {"lead": "relief_station", "assist": ["street", "public_security"]},
    },
    {
        "name": "emergency-by-phone",
        "when": {"urgencies": ["emergency"], "channels": ["phone"]},
        "then": {
            "lead": "public_security",
            "assist": ["street"],
            "deadlines": {"emergency": {"sign": {"unit": "minutes", "amount": 10, "calendar": "clock"}}},
        },
    },
    {
        "name": "dropouts",
        "when": {"subject_categories": ["dropout"], "primary_protection_type": ["education", "relief"]},
        "then": {"lead": "education", "assist": ["youth_league"]},
    },
    {"name": "medical-anywhere", "when": {"protection_types": ["medical"]}, "then": {"lead": "health"}},
    {
        "name": "mental-as-secondary",
        "when": {"other_protection_types": ["mental"]},
        "then": {"lead": "civil_affairs", "assist_for_other_types": {"mental": ["health", "street"]}},
    },
    {
        "name": "street-led",
        "when": {"primary_protection_type": ["employment"]},
        "then": {"lead": "street", "assist": ["employment"]},
    },
    *DEFAULTS,
]

CUSTOM_CASES = [
    # facts, expected rule, expected assignments
    (
        {"protection_types": ["relief"], "subject_categories": ["street_child"], "location": {"street": "jiangyuan"}},
        "street-children-in-jiangyuan",
        [("relief_station", "lead"), ("street:jiangyuan", "assist"), ("public_security", "assist")],
    ),
    # same category, other street: the category rule does not hold, the default does.
    (
        {"protection_types": ["relief"], "subject_categories": ["street_child"], "location": {"street": "zhengcha"}},
        "default-relief",
        [("civil_affairs", "lead"), ("street:zhengcha", "assist")],
    ),
    # an emergency street child in jiangyuan by phone: the first matching rule wins (order matters).
    (
        {
            "protection_types": ["relief"],
            "subject_categories": ["street_child"],
            "location": {"street": "jiangyuan"},
            "urgency": "emergency",
            "channel": "phone",
        },
        "street-children-in-jiangyuan",
        [("relief_station", "lead"), ("street:jiangyuan", "assist"), ("public_security", "assist")],
    ),
    (
        {
            "protection_types": ["judicial"],
            "urgency": "emergency",
            "channel": "phone",
            "location": {"street": "chengqiang"},
        },
        "emergency-by-phone",
        [("public_security", "lead"), ("street:chengqiang", "assist")],
    ),
    # channel condition: the same emergency by SMS falls through to the default.
    (
        {"protection_types": ["judicial"], "urgency": "emergency", "channel": "sms"},
        "default-judicial",
        [("public_security", "lead")],
    ),
    (
        {"protection_types": ["education", "relief"], "subject_categories": ["dropout", "poor_family"]},
        "dropouts",
        [("education", "lead"), ("youth_league", "assist")],
    ),
    # primary condition: dropout with a judicial primary does not match "dropouts".
    (
        {"protection_types": ["judicial", "education"], "subject_categories": ["dropout"]},
        "default-judicial",
        [("public_security", "lead"), ("education", "assist")],
    ),
    # "protection_types" looks at every type, the primary included.
    ({"protection_types": ["relief", "medical"]}, "medical-anywhere", [("health", "lead")]),
    # "other_protection_types" looks at the secondary types only.
    (
        {"protection_types": ["judicial", "mental"], "location": {"street": "zhengcha"}},
        "mental-as-secondary",
        [("civil_affairs", "lead"), ("health", "assist"), ("street:zhengcha", "assist")],
    ),
    ({"protection_types": ["mental"]}, "default-mental", [("health", "lead")]),
    # a rule led by the street office is passed over without a street, and explained.
    ({"protection_types": ["employment"]}, "default-employment", [("employment", "lead")]),
    (
        {"protection_types": ["employment"], "location": {"street": "sunjiapuzi"}},
        "street-led",
        [("street:sunjiapuzi", "lead"), ("employment", "assist")],
    ),
]


@pytest.mark.parametrize("facts, rule, expected", CUSTOM_CASES)
def test_conditions_and_first_match_order(facts, rule, expected):
    assert validate_rules(CUSTOM, KNOWN) == {}
    decision = evaluate(CUSTOM, facts)
    assert decision.rule == rule
    assert routed(decision) == expected


def test_a_street_led_rule_passed_over_is_explained():
    decision = evaluate(CUSTOM, {"protection_types": ["employment"]})
    assert "Passed over #6 'street-led'" in decision.explanation


def test_explanation_says_why_in_chinese_and_english_with_names():
    labels = {"departments": {"relief_station": "区救助管理站"}, "subject_categories": {"street_child": "流浪儿童"}}
    decision = evaluate(
        CUSTOM,
        {"protection_types": ["relief"], "subject_categories": ["street_child"], "location": {"street": "jiangyuan"}},
        labels=labels,
    )
    zh, en = decision.explanation.split("\n")
    assert zh.startswith("匹配规则 #1「street-children-in-jiangyuan」")
    assert "保护对象为 流浪儿童(street_child)" in zh and "主办：区救助管理站(relief_station)" in zh
    assert en.startswith(
        "Rule #1 'street-children-in-jiangyuan' matched because subject category is street_child; street is jiangyuan"
    )


def test_rule_deadline_policy_is_returned_for_the_tickets_urgency():
    emergency = evaluate(CUSTOM, {"protection_types": ["judicial"], "urgency": "emergency", "channel": "phone"})
    assert emergency.deadlines == {"sign": {"unit": "minutes", "amount": 10, "calendar": "clock"}}
    assert evaluate(DEFAULTS, {"protection_types": ["judicial"], "urgency": "emergency"}).deadlines == {}


def test_an_empty_rule_set_routes_nothing_and_a_catch_all_routes_everything():
    assert not evaluate([], {"protection_types": ["relief"]}).routed
    catch_all = [{"name": "everything", "then": {"lead": "protection_center"}}]
    decision = evaluate(catch_all, {})
    assert routed(decision) == [("protection_center", "lead")]
    assert "catch-all" in decision.explanation


def test_five_hundred_rules_still_first_match():
    many = [
        {
            "name": f"r{i}",
            "when": {
                "streets": ["zhengcha"],
                "subject_categories": [REFERENCE["subject_categories"][i % 15]["code"]],
                "urgencies": ["urgent"],
            },
            "then": {"lead": "civil_affairs"},
        }
        for i in range(494)
    ] + DEFAULTS
    compiled = CompiledRules(many)
    assert evaluate(compiled, {"protection_types": ["mental"]}).rule == "default-mental"
    hit = evaluate(
        compiled,
        {
            "protection_types": ["mental"],
            "subject_categories": ["dropout"],
            "location": {"street": "zhengcha"},
            "urgency": "urgent",
        },
    )
    assert hit.rule == "r12"  # dropout is the 13th category: r12 is its first rule


INVALID_CASES = [
    # rule, path into errors["0"], words in the message
    ({"name": "x", "then": {"lead": "bogus"}}, ("then", "lead"), "unknown department 'bogus'"),
    ({"name": "x", "then": {"lead": "civil_affairs", "assist": ["street", "nowhere"]}}, ("then", "assist"), "nowhere"),
    (
        {"name": "x", "when": {"primary_protection_type": ["sports"]}, "then": {"lead": "health"}},
        ("when", "primary_protection_type"),
        "sports",
    ),
    (
        {"name": "x", "when": {"subject_categories": ["alien"]}, "then": {"lead": "health"}},
        ("when", "subject_categories"),
        "alien",
    ),
    ({"name": "x", "when": {"streets": ["atlantis"]}, "then": {"lead": "health"}}, ("when", "streets"), "atlantis"),
    ({"name": "x", "when": {"urgencies": ["whenever"]}, "then": {"lead": "health"}}, ("when", "urgencies"), "whenever"),
    ({"name": "x", "when": {"channels": ["pigeon"]}, "then": {"lead": "health"}}, ("when", "channels"), "pigeon"),
    (
        {"name": "x", "when": {"weather": ["rain"]}, "then": {"lead": "health"}},
        ("when", "weather"),
        "unknown condition",
    ),
    ({"name": "x", "when": {"streets": []}, "then": {"lead": "health"}}, ("when", "streets"), "non-empty"),
    ({"name": "x"}, ("then",), "required"),
    ({"then": {"lead": "health"}}, ("name",), "name"),
    ({"name": "x", "then": {"lead": "health"}, "colour": "red"}, ("colour",), "unknown field"),
    (
        {"name": "x", "then": {"lead": "health", "assist_for_other_types": {"sports": ["health"]}}},
        ("then", "assist_for_other_types", "sports"),
        "unknown protection type",
    ),
    (
        {
            "name": "x",
            "then": {
                "lead": "health",
                "deadlines": {"urgent": {"sign": {"unit": "weeks", "amount": 1, "calendar": "clock"}}},
            },
        },
        ("then", "deadlines", "urgent", "sign"),
        "invalid deadline policy",
    ),
    (
        {
            "name": "x",
            "then": {
                "lead": "health",
                "deadlines": {"someday": {"sign": {"unit": "hours", "amount": 1, "calendar": "clock"}}},
            },
        },
        ("then", "deadlines", "someday"),
        "unknown urgency",
    ),
]


@pytest.mark.parametrize("rule, path, words", INVALID_CASES)
def test_invalid_rules_are_named_by_rule_and_field(rule, path, words):
    rules = [copy.deepcopy(DEFAULTS[0]), rule]
    errors = validate_rules(rules, KNOWN)
    assert list(errors) == ["1"]
    node = errors["1"]
    for key in path:
        node = node[key]
    message = " ".join(node)
    assert words in message
    assert "rule #2" in message


def test_duplicate_names_and_non_list_sets_are_invalid():
    errors = validate_rules([DEFAULTS[0], DEFAULTS[0]], KNOWN)
    assert "duplicate name" in errors["1"]["name"][0]
    assert validate_rules({"rules": []}, KNOWN) == {
        "_schema": ["规则集必须是列表 the rule set must be a list of rules"]
    }


def test_an_invalid_set_cannot_be_evaluated():
    with pytest.raises(RuleSetError) as info:
        evaluate([{"name": "broken", "then": {}}], {"protection_types": ["relief"]})
    assert "lead" in str(info.value.errors["0"]["then"])
