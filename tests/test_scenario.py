"""Scenario objects, their edits, and the scenario file: round trip and every error message."""

from __future__ import annotations

import dataclasses
import json

import pytest

from kcplanner.scenario import (Rule, Scenario, ScenarioError, Target, load_scenario, save_scenario,
                                scenario_from_dict)

RULES = (
    Rule("Police +5%", Target(department="Police"), "percent", 5.0),
    Rule("Parks mowing", Target(department="Parks", program="Mowing"), "amount", -125000.5, 2028, 2030),
    Rule("Officers", Target(program="Patrol", account_class="Personnel Services"), "fte", 12, 2029, None),
    Rule("Sales tax", Target(fund="General Fund", revenue_source="Sales Tax"), "percent", -2.5, None, 2031),
)


def test_round_trip_exactly_spec_json(tmp_path):
    s = Scenario("Council option B", RULES, ("REQ-1", "REQ-7"))
    path = tmp_path / "option-b.json"
    save_scenario(s, path)
    data = json.loads(path.read_text())
    assert list(data) == ["name", "rules", "funded_requests"]
    assert data["rules"][1] == {"label": "Parks mowing", "target": {"department": "Parks", "program": "Mowing"},
                                "kind": "amount", "value": -125000.5, "start": 2028, "end": 2030}
    assert data["rules"][0]["start"] is None and data["rules"][0]["value"] == 5
    assert data["funded_requests"] == ["REQ-1", "REQ-7"]
    assert load_scenario(path) == s
    assert load_scenario(data) == s
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_fiscal_year_strings_and_defaults():
    s = scenario_from_dict({"name": "x", "rules": [
        {"label": "a", "target": {"department": "Police"}, "kind": "Percent", "value": 3, "start": "FY2028",
         "end": "FY2029-30"},
        {"kind": "amount", "value": 1, "start": None}]})
    assert (s.rules[0].start, s.rules[0].end, s.rules[0].kind) == (2028, 2030, "percent")
    assert s.rules[1] == Rule("", Target(), "amount", 1.0, None, None)
    assert s.funded_requests == ()


def test_scenario_is_immutable_and_edits_return_copies():
    s = Scenario("s", RULES[:2])
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.name = "t"  # type: ignore[misc]
    assert isinstance(s.rules, tuple)
    s2 = s.add_rule(RULES[2])
    assert len(s.rules) == 2 and s2.rules[-1] == RULES[2]
    assert s2.add_rule(RULES[3], 0).rules[0] == RULES[3]
    assert s2.replace_rule(0, RULES[0].with_value(7)).rules[0].value == 7.0
    assert s2.remove_rule(1).rules == (RULES[0], RULES[2])
    assert s2.move_rule(0, 2).rules == (RULES[1], RULES[2], RULES[0])
    s3 = s.fund_request("REQ-1").fund_request("REQ-2").fund_request("REQ-1")
    assert s3.funded_requests == ("REQ-1", "REQ-2")
    assert s3.unfund_request("req-1").funded_requests == ("REQ-2",)
    assert hash(s3) == hash(Scenario("s", RULES[:2], ["REQ-1", "REQ-2"]))   # usable as a cache key
    assert Target(department="  Police  Dept ").department == "Police Dept"


@pytest.mark.parametrize("data, message", [
    ({"name": "x", "rules": [{"kind": "percent", "value": 1}] * 3 + [
        {"label": "b", "target": {"fnd": "GF"}, "kind": "percent", "value": 1}]},
     "rules[3].target.fnd: unknown key; expected one of fund, department, program, account_class, revenue_source"),
    ({"name": "x", "colour": "red"}, "colour: unknown key; expected one of name, rules, funded_requests, review_carry, driver_overrides"),
    ({"rules": [{"kind": "percent", "value": 1, "stop": 2030}]},
     "rules[0].stop: unknown key; expected one of label, target, kind, value, start, end"),
    ({"rules": [{"kind": "percentage", "value": 1}]},
     "rules[0].kind: unknown kind 'percentage'; expected one of percent, amount, fte"),
    ({"rules": [{"value": 1}]}, "rules[0].kind: missing; expected one of percent, amount, fte"),
    ({"rules": [{"kind": "amount"}]}, "rules[0].value: missing; expected a number"),
    ({"rules": [{"kind": "amount", "value": "5%"}]}, "rules[0].value: expected a number, found '5%'"),
    ({"rules": [{"kind": "amount", "value": True}]}, "rules[0].value: expected a number, found True"),
    ({"rules": [{"kind": "amount", "value": 1, "start": "next year"}]},
     "rules[0].start: expected a fiscal year such as 2028 or \"FY2028\", found 'next year'"),
    ({"rules": [{"kind": "amount", "value": 1, "start": 2030, "end": 2028}]},
     "rules[0]: start FY2030 is after end FY2028"),
    ({"rules": [{"kind": "amount", "value": 1, "target": {"department": 12}}]},
     "rules[0].target.department: expected a name (text), found 12"),
    ({"rules": [{"kind": "amount", "value": 1, "target": "Police"}]},
     "rules[0].target: expected an object with keys fund, department, program, account_class, revenue_source, "
     "found 'Police'"),
    ({"rules": {"kind": "amount"}}, "rules: expected a list of rules, found dict"),
    ({"rules": ["percent"]}, "rules[0]: expected an object with keys label, target, kind, value, start, end, found str"),
    ({"funded_requests": "REQ-1"}, "funded_requests: expected a list of request IDs, found str"),
    ({"funded_requests": [None]}, "funded_requests[0]: expected a request ID, found None"),
    ({"name": 5}, "name: expected text, found 5"),
    ([1, 2], "scenario: expected an object with keys name, rules, funded_requests, review_carry, driver_overrides, found list"),
])
def test_error_messages_say_where(data, message):
    with pytest.raises(ScenarioError) as exc:
        scenario_from_dict(data)
    assert str(exc.value) == message


def test_file_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ScenarioError, match=r"bad.json: not a JSON file \(line 1, column 2"):
        load_scenario(bad)
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"rules": [{"kind": "x", "value": 1}]}))
    with pytest.raises(ScenarioError, match=r"wrong.json: rules\[0\].kind: unknown kind 'x'"):
        load_scenario(wrong)
    with pytest.raises(ScenarioError, match="missing.json: cannot read the scenario file"):
        load_scenario(tmp_path / "missing.json")
    nameless = tmp_path / "plan-a.json"
    nameless.write_text(json.dumps({"rules": []}))
    assert load_scenario(nameless).name == "plan-a"


@pytest.mark.parametrize("name", ["", "   "])
def test_an_empty_target_name_is_an_error_not_every_line(name):
    data = {"name": "s", "rules": [{"target": {"department": name}, "kind": "percent", "value": 10}]}
    with pytest.raises(ScenarioError, match=r"rules\[0\]\.target\.department: empty name"):
        scenario_from_dict(data)
