"""docs/api.md's tables say what the doctypes' JSON and the shipped workflow say, and the checker that compares
the document's replies with the server's (tests/harness/apidoc.py) catches what it should. No site needed;
the examples themselves run in tests/site/test_api_docs.py."""

import json
from pathlib import Path

import pytest

from tests.harness import apidoc
from xnet_helpdesk.incident_flow.lifecycle import check_transition
from xnet_helpdesk.setup import workflow_definition

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "api.md"
DOCTYPES = ROOT / "xnet_helpdesk" / "xnet_helpdesk" / "doctype"


@pytest.mark.parametrize(
	"heading, doctype",
	[
		("Incident fields", "incident"),
		("Global Problem fields", "global_problem"),
		("Global Problem Service Center fields", "global_problem_service_center"),
		("Global Problem Client Company fields", "global_problem_client_company"),
		("Global Problem Update fields", "global_problem_update"),
	],
)
def test_field_table_is_the_doctype(heading, doctype):
	rows = apidoc.table_after(DOC, heading)
	fields = apidoc.doctype_fields(DOCTYPES / doctype / f"{doctype}.json")
	assert [apidoc.code(row["Field"]) for row in rows] == [df["fieldname"] for df in fields], (
		"the table lists the doctype's fields in the doctype's order"
	)
	for row, df in zip(rows, fields, strict=True):
		name = df["fieldname"]
		assert row["Type"] == apidoc.type_cell(df), name
		assert row["Label"] == df["label"], name
		assert row["Read-only"] == ("yes" if df.get("read_only") else "no"), name
		assert row["Set by"], f"{name}: who sets it?"


def test_settings_table_is_the_doctype():
	rows = apidoc.table_after(DOC, "Helpdesk Settings fields")
	fields = apidoc.doctype_fields(DOCTYPES / "helpdesk_settings" / "helpdesk_settings.json")
	assert [apidoc.code(row["Field"]) for row in rows] == [df["fieldname"] for df in fields]
	for row, df in zip(rows, fields, strict=True):
		assert row["Type"] == apidoc.type_cell(df), df["fieldname"]
		assert row["Default"] == (str(df["default"]) if df.get("default") is not None else "—"), df[
			"fieldname"
		]
		assert row["Meaning"], df["fieldname"]


TEXT_FLAGS = {
	"has_resolution": "resolution_details",
	"reopen_reason_given": "reopen_reason",
	"cancellation_reason_given": "cancellation_reason",
	"info_request_given": "client_info_request",
}


def texts_needed(old: str, new: str) -> set[str]:
	"""The fields the lifecycle rules want for a move (each flag turned off in turn)."""
	everything = {"has_engineer": True, **dict.fromkeys(TEXT_FLAGS, True)}
	assert not check_transition(old, new, **everything)
	return {
		field
		for flag, field in TEXT_FLAGS.items()
		if check_transition(old, new, **{**everything, flag: False})
	}


def test_workflow_table_is_the_shipped_workflow_and_the_lifecycle_rules():
	documented = set()
	for row in apidoc.table_after(DOC, "The workflow"):
		needs = row["Saved on the incident first"]
		for state in row["From"].split(", "):
			documented.add(
				(
					state,
					row["Action"],
					row["To"],
					frozenset(row["Roles"].split(", ")),
					frozenset() if needs == "—" else frozenset(apidoc.code(f) for f in needs.split(",")),
				)
			)
	shipped = {
		(
			state,
			action,
			next_state,
			frozenset(roles),
			frozenset(
				texts_needed(state, next_state) | ({"engineer"} if condition == "doc.engineer" else set())
			),
		)
		for state, action, next_state, roles, condition in workflow_definition.TRANSITIONS
	}
	assert documented == shipped


def test_the_document_parses_into_examples_with_replies():
	doc = apidoc.parse(DOC)
	assert {"HOST", "OPERATOR", "ENGINEER", "MANAGER", "TOKEN"} <= set(doc.setup)
	assert not doc.unmarked
	assert all(example.status and example.script for example in doc.examples)
	# one example per step of the process at least
	names = {example.name for example in doc.examples}
	for step in (
		"register-phone",
		"register-unknown",
		"register-walkin",
		"assign",
		"reassign",
		"take-into-work",
		"ask-client",
		"client-answers",
		"resolve",
		"client-reopens",
		"reopen",
		"close",
		"cancel",
		"lookup",
		"portal-register",
		"client-rates",
		"error-forged-token",
	):
		assert step in names


# --- the checker ------------------------------------------------------------------------------------


def test_documented_keys_must_be_there_and_equal():
	assert apidoc.mismatches({"a": 1, "b": "x"}, {"a": 1, "b": "x", "c": 3}) == []
	assert apidoc.mismatches({"a": 1}, {"b": 1})
	assert apidoc.mismatches({"status": "Resolved"}, {"status": "Closed"})
	assert apidoc.mismatches({"n": 1}, {"n": "1"})
	assert apidoc.mismatches({"n": None}, {"n": 0})


def test_ellipsis_shapes_and_site_values():
	assert apidoc.mismatches("Incident is …", "Incident is Closed: …") == []
	assert apidoc.mismatches("Incident is …", "Something else")
	assert apidoc.mismatches("2026-03-02 09:41:12.153201", "2026-12-01 13:46:29.168924") == []
	assert apidoc.mismatches("2026-03-02 09:41:12.153201", "yesterday")
	assert apidoc.mismatches("INC-2026-00042", "INC-2026-00001") == []
	assert apidoc.mismatches("02.03.2026 09:44", "01.12.2026 13:46") == []
	assert apidoc.mismatches({"contact_name": "Айгерим Сейтова"}, {"contact_name": "Karmet Client"}) == []
	assert apidoc.mismatches({"contact_name": "Айгерим"}, {"contact_name": 5})
	assert apidoc.mismatches({"message": {"engineer": "Данияр"}}, {"message": {"engineer": "Kar"}}) == []
	# the engineer of an incident is not a site value: reassignment is what the example shows
	assert apidoc.mismatches({"engineer": "d.akhmetov@xnet.kz"}, {"engineer": "s.ivanova@xnet.kz"})


def test_lists_are_exact_unless_they_end_in_an_ellipsis():
	assert apidoc.mismatches([1, 2], [1, 2]) == []
	assert apidoc.mismatches([1, 2], [1, 2, 3])
	assert apidoc.mismatches([1, "…"], [1, 2, 3]) == []
	assert apidoc.mismatches([1, "…"], [2, 3])


def test_server_messages_are_compared_decoded():
	real = json.dumps(
		[
			json.dumps(
				{"message": "Not a valid Workflow Action", "title": "Message", "__frappe_exc_id": "ab12"}
			)
		]
	)
	shown = json.dumps([json.dumps({"message": "Not a valid Workflow Action"})])
	assert apidoc.mismatches({"_server_messages": shown}, {"_server_messages": real}) == []
	wrong = json.dumps([json.dumps({"message": "Self approval is not allowed"})])
	assert apidoc.mismatches({"_server_messages": wrong}, {"_server_messages": real})


def test_documented_values_become_this_runs_values_in_one_pass():
	replacements = {"Айгерим Сейтова-KarMet": "Karmet Client-TEST KarMet", "KarMet": "TEST KarMet"}
	assert apidoc.substitute(
		{"contact": "Айгерим Сейтова-KarMet", "title": "Нет интернета в KarMet", "n": 1}, replacements
	) == {"contact": "Karmet Client-TEST KarMet", "title": "Нет интернета в TEST KarMet", "n": 1}
