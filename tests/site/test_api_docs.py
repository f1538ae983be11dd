"""docs/api.md is true: every curl example in it runs, as written, against the real web server of the test site,
and the reply it shows (status and every field shown) is the reply the server gives; the fields the tables
call server-set or derived are so. (The tables against the doctype JSON: tests/unit/test_api_doc_tables.py.)

The examples are one story (register, assign, work, resolve, reopen, close…), run in the document's order;
what they register is committed (the server is another process) and deleted when the module ends.
"""

import json
import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import frappe
import pytest
from frappe.utils import get_datetime, now_datetime

from tests.harness import apidoc
from tests.harness.http import api_client
from tests.harness.states import bring_to
from tests.harness.world import PASSWORD, make_incident
from tests.site.portal_helpers import (
	reset_message_limits,
	reset_rate_limits,
	reset_registration_limits,
	token_for,
)

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "api.md"
DOC = apidoc.parse(DOC_PATH)
# variables that name what the examples register; the incidents among them are deleted afterwards
INCIDENT_VARS = ("INCIDENT", "CALLER_INCIDENT", "WALKIN", "PORTAL_INCIDENT")
# the Helpdesk Settings the examples show (the shipped defaults), restored to the site's own afterwards
SHOWN_SETTINGS = {
	"default_priority": "Medium",
	"reopen_window_days": 7,
	"auto_close_days": 3,
	"portal_link_expiry_days": 30,
	"assign_in_background": 1,
	"assign_from_other_centers": 0,
	"sla_at_risk_percent": 20,
}
# a 1x1 PNG: the screenshot the portal registration example attaches
PNG = (
	b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
	b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)
# every curl call of an example goes through this: the body passes on unchanged (examples pipe it), and the
# headers and body are kept for the test
CURL_SHIM = """#!/bin/bash
n=$(( $(cat "$XNET_CURL_LOG/count" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$XNET_CURL_LOG/count"
"$XNET_REAL_CURL" --silent --show-error --dump-header "$XNET_CURL_LOG/$n.headers" "$@" | tee "$XNET_CURL_LOG/$n.body"
exit "${PIPESTATUS[0]}"
"""


def spoken(phone: str) -> str:
	"""+77015551234 as a caller says it: 8 (701) 555-12-34."""
	national = phone[2:]
	return f"8 ({national[:3]}) {national[3:6]}-{national[6:8]}-{national[8:]}"


class Story:
	"""The variables of the examples, their documented and real values, and what the run registered."""

	def __init__(self, server, world, workdir: Path):
		self.workdir = workdir
		self.failed = None
		contact = world["contacts"]["karmet_client"]
		operator = api_client(server, world["users"]["operator"])
		engineer = api_client(server, world["users"]["kar_engineer"])
		manager = api_client(server, world["users"]["manager"])
		self.values = {
			"HOST": server.base,
			"OPERATOR": f"token {operator.key}:{operator.secret}",
			"ENGINEER": f"token {engineer.key}:{engineer.secret}",
			"MANAGER": f"token {manager.key}:{manager.secret}",
			"OPERATOR_USER": world["users"]["operator"],
			"OPERATOR_PASSWORD": PASSWORD,
			"ENGINEER_ID": frappe.db.get_value("Support Engineer", {"user": world["users"]["kar_engineer"]}),
			"OTHER_ENGINEER_ID": frappe.db.get_value(
				"Support Engineer", {"user": world["users"]["kar_engineer2"]}
			),
			"CONTACT": contact,
			"CALLER_PHONE": spoken(frappe.db.get_value("Contact", contact, "mobile_no")),
			"COMPANY": "TEST KarMet",
			"CENTER": "TEST Karaganda",
			"CLIENT_USER": world["users"]["karmet_client"],
			"CLIENT_PASSWORD": PASSWORD,
		}
		missing = set(DOC.setup) - set(self.values) - {"TOKEN"}
		assert not missing, f"docs/api.md's setup names variables the test does not fill: {missing}"
		# documented example value -> this run's value, for reading the documented replies
		self.replacements = {
			DOC.setup[name]: value for name, value in self.values.items() if name in DOC.setup
		}

	def set(self, name: str, documented, actual):
		self.values[name] = str(actual)
		self.replacements[str(documented)] = str(actual)
		if name == "INCIDENT":
			# the signed link of the incident's e-mails, as the server makes it
			frappe.db.rollback()
			self.set("TOKEN", DOC.setup["TOKEN"], token_for(str(actual)))

	def incidents(self) -> list[str]:
		return [self.values[name] for name in INCIDENT_VARS if name in self.values]


@pytest.fixture(scope="module")
def story(server, world, committed, tmp_path_factory):
	workdir = tmp_path_factory.mktemp("api-docs")
	(workdir / "screen.png").write_bytes(PNG)
	shim = workdir / "bin"
	shim.mkdir()
	(shim / "curl").write_text(CURL_SHIM)
	(shim / "curl").chmod(0o755)
	restore = prepare_site()
	run = Story(server, world, workdir)
	yield run
	frappe.db.rollback()
	committed.extend(run.incidents())  # deleted by the `committed` fixture, with their ratings
	for name in run.incidents():
		frappe.db.delete("Communication", {"reference_doctype": "Incident", "reference_name": name})
	if "PROBLEM" in run.values:
		frappe.delete_doc("Global Problem", run.values["PROBLEM"], force=True, ignore_missing=True)
	frappe.db.commit()
	forget_queued_jobs(run)
	restore()


def forget_queued_jobs(run: Story):
	"""Jobs the server queued under fixed ids (no worker runs the test site's queues): the numbers are given
	again once deleted, and a job still queued under one would make Frappe skip the next one's job."""
	from frappe.utils.background_jobs import get_job

	ids = [f"xnet-portal-rating::{frappe.local.site}::{name}" for name in run.incidents()]
	if "PROBLEM" in run.values:
		ids.append(f"xnet-global-problem-resolve-{run.values['PROBLEM']}")
	for job_id in ids:
		job = get_job(job_id)
		if job:
			job.delete()


def prepare_site():
	"""The examples show the shipped settings and no assignment rule at work; the site's own come back after."""
	reset_rate_limits()
	reset_message_limits()
	reset_registration_limits()
	settings = frappe.get_single("Helpdesk Settings")
	before = {key: settings.get(key) for key in SHOWN_SETTINGS}
	settings.update(SHOWN_SETTINGS)
	settings.save()
	rules = frappe.get_all(
		"Assignment Rule", filters={"document_type": "Incident", "disabled": 0}, pluck="name"
	)
	for rule in rules:
		frappe.db.set_value("Assignment Rule", rule, "disabled", 1)
	frappe.db.commit()
	frappe.clear_cache(doctype="Incident")

	def restore():
		frappe.db.rollback()
		settings = frappe.get_single("Helpdesk Settings")
		settings.update(before)
		settings.save()
		for rule in rules:
			frappe.db.set_value("Assignment Rule", rule, "disabled", 0)
		frappe.db.commit()
		frappe.clear_cache(doctype="Incident")
		reset_rate_limits()
		reset_message_limits()
		reset_registration_limits()

	return restore


def run_script(story: Story, example: apidoc.Example) -> list[dict]:
	"""Run the example's bash as written; the calls it made, in order, each with status and body."""
	log = story.workdir / f"calls-{example.name}"
	log.mkdir()
	env = {
		**os.environ,
		**story.values,
		"PATH": f"{story.workdir / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
		"XNET_CURL_LOG": str(log),
		"XNET_REAL_CURL": shutil.which("curl") or "/usr/bin/curl",
	}
	done = subprocess.run(
		["bash", "-e", "-o", "pipefail", "-c", example.script],
		cwd=story.workdir,
		env=env,
		capture_output=True,
		text=True,
		timeout=300,
	)
	assert done.returncode == 0, f"example {example.name} (docs/api.md:{example.line}) failed:\n{done.stderr}"
	count = int((log / "count").read_text()) if (log / "count").exists() else 0
	calls = []
	for n in range(1, count + 1):
		statuses = [
			line
			for line in (log / f"{n}.headers").read_text(errors="replace").splitlines()
			if line.startswith("HTTP/")
		]
		calls.append(
			{"status": int(statuses[-1].split()[1]), "body": (log / f"{n}.body").read_text(errors="replace")}
		)
	return calls


# what a worker does between two examples (the test site's jobs go to queues no worker listens to)
def run_problem_resolution(story: Story):
	from xnet_helpdesk.outages.fanout import resolve_linked_incidents

	frappe.db.rollback()
	result = resolve_linked_incidents(story.values["PROBLEM"])
	assert story.values["CALLER_INCIDENT"] in result["resolved"], result


AFTER = {"problem-resolve": run_problem_resolution}


def test_every_curl_in_the_document_is_a_tested_example():
	assert DOC.examples, "docs/api.md has no examples"
	assert not DOC.unmarked, (
		f"curl blocks without an <!-- example: … --> marker at docs/api.md lines {DOC.unmarked}"
	)
	names = [example.name for example in DOC.examples]
	assert len(names) == len(set(names)), "example names repeat"
	for example in DOC.examples:
		assert example.status, f"example {example.name} (line {example.line}) has no ```http reply after it"


@pytest.mark.parametrize("example", DOC.examples, ids=lambda example: example.name)
def test_example(story, example):
	if story.failed:
		pytest.skip(f"an earlier example failed: {story.failed}")
	story.failed = example.name
	calls = run_script(story, example)
	assert calls, f"example {example.name} made no curl call"
	for number, call in enumerate(calls[:-1], 1):
		assert call["status"] < 400, (
			f"call {number} of {example.name}: {call['status']} {call['body'][:2000]}"
		)
	last = calls[-1]
	try:
		actual = json.loads(last["body"]) if last["body"].strip() else None
	except json.JSONDecodeError:
		actual = last["body"]
	# what the example registered is known (and deleted afterwards) even when its reply is not as shown
	for name, path in example.sets.items():
		try:
			story.set(name, apidoc.value_at(example.reply, path), apidoc.value_at(actual, path))
		except (KeyError, IndexError, TypeError):
			pass
	shown = json.dumps(actual, ensure_ascii=False, indent=1)[:4000]
	assert last["status"] == example.status, (
		f"{example.name} (docs/api.md:{example.line}): HTTP {last['status']}, documented {example.status}\n{shown}"
	)
	assert set(example.sets) <= set(story.values), f"{example.name}: the reply lacks {example.sets}"
	problems = apidoc.mismatches(apidoc.substitute(example.reply, story.replacements), actual)
	assert not problems, (
		f"{example.name} (docs/api.md:{example.line}):\n" + "\n".join(problems) + f"\n{shown}"
	)
	if example.name in AFTER:
		AFTER[example.name](story)
	story.failed = None


# --- the tables' server-set and derived fields are so ---------------------------------------------


def claimed(heading: str, kind: str) -> list[str]:
	return [
		apidoc.code(row["Field"])
		for row in apidoc.table_after(DOC_PATH, heading)
		if row["Set by"].startswith(kind + ":") or row["Set by"] == kind
	]


def junk_for(doc, fieldname: str):
	"""A value the field can hold, other than its present one."""
	df = doc.meta.get_field(fieldname)
	current = doc.get(fieldname)
	if df.fieldtype in ("Datetime", "Date"):
		return "2001-01-01 01:01:01"
	if df.fieldtype in ("Int", "Float", "Check"):
		return 0 if current else 1
	if df.fieldtype == "Select":
		return next(option for option in df.options.split("\n") if option and option != current)
	if df.fieldtype == "Link":
		return next(name for name in frappe.get_all(df.options, pluck="name") if name != current)
	return "sent by the client"


def test_fields_the_tables_call_server_set_ignore_what_is_sent(world):
	doc = bring_to(make_incident(world), "Resolved", world["users"]["kar_engineer"])
	server_fields = claimed("Incident fields", "server")
	assert "registered_on" in server_fields and "agreement_status" in server_fields
	before = {field: doc.get(field) for field in server_fields}
	for field in server_fields:
		doc.set(field, junk_for(doc, field))
	doc.save()
	doc.reload()
	changed = {field: doc.get(field) for field in server_fields if str(doc.get(field)) != str(before[field])}
	assert not changed, f"the doc calls these server-set, but a value sent was stored: {changed}"

	problem = frappe.get_doc({"doctype": "Global Problem", "title": "TEST Сбой"}).insert()
	for field in claimed("Global Problem fields", "server"):
		problem.set(field, junk_for(problem, field))
	problem.save()
	assert all(not problem.get(field) for field in claimed("Global Problem fields", "server"))


def test_fields_the_tables_call_derived_are_recomputed(world):
	problem = frappe.get_doc(
		{
			"doctype": "Global Problem",
			"title": "TEST Сбой",
			"planned_resolution_time": now_datetime() + timedelta(hours=2),
		}
	).insert()
	doc = bring_to(
		make_incident(world, global_problem=problem.name), "In Progress", world["users"]["kar_engineer"]
	)
	derived = claimed("Incident fields", "derived")
	assert set(derived) >= {"planned_resolution_time", "engineer_name", "center_manager"}
	before = {field: doc.get(field) for field in derived}
	assert all(before.values()), before
	for field in derived:
		doc.set(field, junk_for(doc, field))
	doc.save()
	doc.reload()
	for field in derived:
		assert str(get_datetime(doc.get(field)) if "time" in field else doc.get(field)) == str(
			get_datetime(before[field]) if "time" in field else before[field]
		), field
