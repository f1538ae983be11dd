"""The assigned engineer is e-mailed exactly once, whichever path set the engineer (the rule in the background,
the rule in the save, a person by hand at registration or later), and the assignment (ToDo) follows the field
(issue 17, point 3)."""

import frappe
import pytest

from tests.harness.assignment_world import enable_rule, ensure_outgoing_email_account, reset_caches
from tests.harness.mail import queued_for
from tests.harness.world import make_incident
from xnet_helpdesk.assignment import jobs, load
from xnet_helpdesk.outgoing import outbox
from xnet_helpdesk.overrides.notification_log import ASSIGNED_NOTIFICATION

ASSIGNED_SUBJECT = {"ru": "Вам назначен инцидент"}


def mails_to(user: str, incident: str) -> list[str]:
	"""Subjects of the e-mails queued for the user about the incident, whoever queued them."""
	email = frappe.db.get_value("User", user, "email")
	return [subject for subject, text in queued_for(email) if incident in subject + text]


def open_todos(incident: str) -> list[str]:
	return frappe.get_all(
		"ToDo",
		filters={"reference_type": "Incident", "reference_name": incident, "status": "Open"},
		pluck="allocated_to",
	)


@pytest.fixture
def engineers(world):
	ensure_outgoing_email_account()
	users = world["users"]
	for key in ("kar_engineer", "kar_engineer2"):
		frappe.db.set_value(
			"Support Engineer", users[key], {"availability": "Available", "is_active": 1, "capacity": 5}
		)
	load.recount_open_load()
	yield users["kar_engineer"], users["kar_engineer2"]
	reset_caches()


@pytest.fixture
def rule(engineers):
	from tests.harness.assignment_world import open_around_the_clock

	open_around_the_clock("TEST Karaganda")
	enable_rule(list(engineers))
	yield
	frappe.db.set_single_value("Helpdesk Settings", "assign_in_background", 1)


def assigned_mails(engineer: str, incident: str) -> list[str]:
	outbox.deliver_all(commit=False)
	return [s for s in mails_to(engineer, incident) if ASSIGNED_SUBJECT["ru"] in s]


def test_the_rule_in_the_background_emails_the_engineer_once(world, rule):
	doc = make_incident(world)
	assert jobs.assign_pending(doc.name) is True
	doc.reload()
	assert doc.engineer
	assert len(assigned_mails(doc.engineer, doc.name)) == 1
	assert open_todos(doc.name) == [doc.engineer]
	# nothing more on later saves
	doc.reload()
	doc.priority = "High"
	doc.save()
	assert len(assigned_mails(doc.engineer, doc.name)) == 1


def test_the_rule_in_the_save_emails_the_engineer_once(world, rule):
	frappe.db.set_single_value("Helpdesk Settings", "assign_in_background", 0)
	reset_caches()
	doc = make_incident(world)
	assert doc.engineer and doc.status == "Assigned"
	assert len(assigned_mails(doc.engineer, doc.name)) == 1
	assert open_todos(doc.name) == [doc.engineer]


def test_an_engineer_set_by_hand_is_emailed_once_and_gets_the_assignment(world, engineers):
	first, second = engineers
	doc = make_incident(world)
	assert not doc.engineer and open_todos(doc.name) == []

	doc.engineer = first
	doc.save()
	assert len(assigned_mails(first, doc.name)) == 1
	assert open_todos(doc.name) == [first]

	# handed over: the new engineer is told and takes the assignment; the previous one's ToDo is cancelled
	doc.reload()
	doc.engineer = second
	doc.save()
	assert len(assigned_mails(second, doc.name)) == 1
	assert len(assigned_mails(first, doc.name)) == 1
	assert open_todos(doc.name) == [second]
	assert (
		frappe.db.get_value("ToDo", {"reference_name": doc.name, "allocated_to": first}, "status")
		== "Cancelled"
	)

	# cleared: nobody holds it
	doc.reload()
	doc.engineer = None
	doc.save()
	assert open_todos(doc.name) == []


def test_an_engineer_chosen_at_registration_is_emailed_once(world, engineers):
	first, _ = engineers
	doc = make_incident(world, engineer=first)
	assert len(assigned_mails(first, doc.name)) == 1
	assert open_todos(doc.name) == [first]


def test_frappes_own_assignment_email_is_left_to_the_notification(world, engineers):
	"""assign_to.add also tells the assignee (the bell, and by default an e-mail): for incidents the bell
	stays, the e-mail is the Notification's, once. With that Notification disabled, Frappe's e-mail is back."""
	from frappe.desk.doctype.notification_log.notification_log import make_notification_logs

	first, _ = engineers
	doc = make_incident(world)
	bell = {
		"type": "Assignment",
		"document_type": "Incident",
		"document_name": doc.name,
		"subject": f"Administrator assigned a new task Incident {doc.name} to you",
		"from_user": "Administrator",
	}
	make_notification_logs(frappe._dict(bell), [first])
	assert frappe.db.exists("Notification Log", {"for_user": first, "document_name": doc.name})
	assert mails_to(first, doc.name) == []

	frappe.db.set_value("Notification", ASSIGNED_NOTIFICATION, "enabled", 0)
	make_notification_logs(frappe._dict(bell), [first])
	assert len(mails_to(first, doc.name)) == 1
