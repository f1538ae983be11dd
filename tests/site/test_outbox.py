"""An incident's e-mails are decided in the save and sent after the commit (outgoing/outbox.py), and Frappe's
Workflow Action bookkeeping is skipped while every state of the workflow is optional
(overrides/workflow_action.py)."""

import json

import frappe
import pytest
from frappe.utils import add_to_date, now_datetime

from tests.harness.assignment_world import ensure_outgoing_email_account
from tests.harness.jobs import after_commit_methods
from tests.harness.mail import read_queued
from tests.harness.states import bring_to
from tests.harness.world import make_incident
from xnet_helpdesk.outgoing import outbox
from xnet_helpdesk.overrides import workflow_action
from xnet_helpdesk.setup import workflow_definition as wf


def pending(incident: str) -> list[str]:
	return outbox.pending_notifications("Incident", incident)


def queued(incident: str) -> list[dict]:
	return frappe.get_all(
		"Email Queue",
		filters={"reference_doctype": "Incident", "reference_name": incident},
		fields=["name", "message"],
	)


@pytest.fixture(autouse=True)
def outgoing_account():
	ensure_outgoing_email_account()


def test_registration_decides_the_email_and_a_worker_sends_it(world):
	incident = make_incident(world)
	# decided in the save, nothing rendered or queued yet; a job is waiting for the commit
	assert pending(incident.name) == ["Incident Registered: client"]
	assert queued(incident.name) == []
	assert "xnet_helpdesk.outgoing.outbox.deliver_due" in after_commit_methods()
	row = frappe.get_all("Pending Notification", filters={"reference_name": incident.name}, pluck="name")[0]

	assert outbox.deliver(row) is True
	mail = queued(incident.name)
	assert len(mail) == 1 and incident.name in mail[0].message
	assert pending(incident.name) == []
	# a second runner of the same row (the job and the scheduler) finds it gone and sends nothing more
	assert outbox.deliver(row) is False
	assert len(queued(incident.name)) == 1


def test_status_emails_follow_the_value_change(world):
	incident = bring_to(make_incident(world), "In Progress", world["users"]["kar_engineer"])
	names = pending(incident.name)
	assert "Incident Taken Into Work: client" in names
	assert "Incident Assigned: engineer" in names
	# a save that changes nothing decides nothing
	outbox.deliver_all(commit=False)
	frappe.get_doc("Incident", incident.name).save()
	assert pending(incident.name) == []


def test_a_rolled_back_save_leaves_no_pending_email(world):
	frappe.db.savepoint("outbox_test")
	incident = make_incident(world)
	assert pending(incident.name)
	frappe.db.rollback(save_point="outbox_test")
	assert frappe.db.count("Pending Notification", {"reference_name": incident.name}) == 0


def test_the_scheduler_sends_what_a_lost_job_left_and_leaves_fresh_rows_to_their_job(world):
	fresh = make_incident(world)
	lost = make_incident(world, subject="Потерянное задание")
	frappe.db.set_value(
		"Pending Notification",
		{"reference_name": lost.name},
		"creation",
		add_to_date(now_datetime(), minutes=-5),
		update_modified=False,
	)
	outbox.deliver_all(stale_only=True, commit=False)
	assert pending(lost.name) == [] and len(queued(lost.name)) == 1
	assert pending(fresh.name) == ["Incident Registered: client"] and queued(fresh.name) == []


def test_a_broken_notification_condition_never_blocks_registration(world):
	name = "Incident Registered: client"
	frappe.db.set_value("Notification", name, "condition", "doc.no_such_field ==")
	frappe.clear_document_cache("Notification", name)
	try:
		errors_before = frappe.db.count("Error Log")
		incident = make_incident(world)
		assert frappe.db.exists("Incident", incident.name)
		assert pending(incident.name) == []
		assert frappe.db.count("Error Log") > errors_before
	finally:
		frappe.db.rollback()
		frappe.clear_document_cache("Notification", name)


def test_a_failing_delivery_is_kept_with_its_error_and_retried(world):
	incident = make_incident(world)
	frappe.db.commit()
	row = frappe.get_all("Pending Notification", filters={"reference_name": incident.name}, pluck="name")[0]
	frappe.db.set_value("Pending Notification", row, "notifications", "{not json", update_modified=False)
	frappe.db.commit()
	try:
		outbox.deliver_all()
		failed = frappe.db.get_value("Pending Notification", row, ["attempts", "last_error"], as_dict=True)
		assert failed.attempts == 1 and "JSONDecodeError" in failed.last_error
		assert frappe.db.exists("Incident", incident.name)  # the incident is untouched

		frappe.db.set_value(
			"Pending Notification", row, "notifications", json.dumps([]), update_modified=False
		)
		frappe.db.commit()
		outbox.deliver_all()
		assert not frappe.db.exists("Pending Notification", row)
	finally:
		frappe.db.rollback()
		frappe.db.delete("Pending Notification", {"reference_name": incident.name})
		frappe.delete_doc("Incident", incident.name, force=True)
		frappe.db.commit()


def test_incidents_leave_no_workflow_action_rows(world):
	incident = bring_to(make_incident(world), "In Progress", world["users"]["kar_engineer"])
	assert frappe.db.count("Workflow Action", {"reference_name": incident.name}) == 0


def test_the_workflow_action_wrapper_is_wired_by_hooks_not_by_an_import(world):
	"""Importing the Incident controller changes nothing of Frappe's; saving an incident (hooks.py, Incident
	before_validate) puts the wrapper in place before that save's on_update handlers run."""
	import subprocess

	from frappe.workflow.doctype.workflow_action import workflow_action as frappe_module

	from tests.harness import bench

	check = (
		"import xnet_helpdesk.xnet_helpdesk.doctype.incident.incident\n"
		"from frappe.workflow.doctype.workflow_action import workflow_action as w\n"
		"assert w.process_workflow_actions.__module__ == w.__name__, w.process_workflow_actions.__module__\n"
	)
	result = subprocess.run(
		[str(bench.bench_python()), "-c", check], capture_output=True, text=True, timeout=120
	)
	assert result.returncode == 0, result.stderr[-1500:]
	make_incident(world)
	assert frappe_module.process_workflow_actions is workflow_action.process_workflow_actions


def test_states_an_admin_makes_required_get_workflow_actions_again(world):
	workflow = frappe.get_doc("Workflow", wf.WORKFLOW_NAME)
	for state in workflow.states:
		state.is_optional_state = 0
	workflow.save()
	try:
		assert not workflow_action.all_states_optional(wf.WORKFLOW_NAME)
		incident = make_incident(world)
		assert frappe.db.count("Workflow Action", {"reference_name": incident.name}) > 0
	finally:
		frappe.db.rollback()
		workflow_action.clear_cache()
		frappe.clear_document_cache("Workflow", wf.WORKFLOW_NAME)
		frappe.clear_cache(doctype="Incident")
	assert workflow_action.all_states_optional(wf.WORKFLOW_NAME)


@pytest.mark.parametrize(
	"typed, stored",
	[
		(
			'<img src=x onerror="alert(1)">Принтер <a href="http://evil.example">не печатает</a>',
			"Принтер не печатает",
		),
		("&lt;script&gt;alert(1)&lt;/script&gt; Сканер", "alert(1) Сканер"),
		("Ошибка: 2 < 3 и 5 > 4", "Ошибка: 2 < 3 и 5 > 4"),
	],
)
def test_the_subject_is_plain_text_in_the_incident_and_the_clients_email(world, typed, stored):
	incident = make_incident(world, subject=typed)
	assert incident.subject == stored
	row = frappe.get_all("Pending Notification", filters={"reference_name": incident.name}, pluck="name")[0]
	assert outbox.deliver(row) is True
	message = queued(incident.name)[0].message
	assert "<img" not in message and "evil.example" not in message and "&lt;script" not in message


def test_a_subject_of_markup_alone_is_refused(world):
	with pytest.raises(frappe.ValidationError, match="markup"):
		make_incident(world, subject="<img src=x>")


def test_a_huge_description_is_quoted_as_an_excerpt_with_a_link_to_the_portal(world):
	"""Issue 17, point 7: a 1 MB description never goes whole into the client's e-mail."""
	description = "<p>Первая строка описания.</p>" + "<p>" + "очень длинный текст " * 52_000 + "</p>"
	assert len(description) > 1_000_000
	incident = make_incident(world, description=description)
	row = frappe.get_all("Pending Notification", filters={"reference_name": incident.name}, pluck="name")[0]
	assert outbox.deliver(row) is True
	raw = queued(incident.name)[0].message
	assert len(raw) < 40_000
	_subject, message = read_queued(raw)
	assert "Первая строка описания." in message and "очень длинный текст" in message
	assert "…" in message and "Полный текст</a>" in message
	assert "/support/incident?t=" in message.split("Полный текст</a>")[0].rsplit("<a ", 1)[-1]


def test_a_short_description_is_quoted_whole_without_a_link(world):
	incident = make_incident(world, description="<p>Принтер HP &amp; сканер</p><p>в бухгалтерии</p>")
	row = frappe.get_all("Pending Notification", filters={"reference_name": incident.name}, pluck="name")[0]
	outbox.deliver(row)
	_subject, message = read_queued(queued(incident.name)[0].message)
	assert "Принтер HP &amp; сканер<br>в бухгалтерии" in message
	assert "Полный текст" not in message
