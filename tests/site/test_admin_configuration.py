"""The Helpdesk Manager configures the helpdesk without code (issue 17, point 2): the Incident workflow, the
assignment rules, the incidents' notifications and e-mail templates, the support mailbox, SLA policies,
service centers and directory sources, in the Desk and over REST; and nothing of other apps or doctypes."""

import frappe
import pytest

from tests.harness.world import ensure_user
from tests.site.desk_helpers import link_options, open_form
from xnet_helpdesk.setup.assignment_setup import DEFAULT_RULE_NAME
from xnet_helpdesk.setup.workflow_definition import WORKFLOW_NAME

MANAGER_ROLE = "Helpdesk Manager"
INCIDENT_NOTIFICATION = "Incident Registered: client"


@pytest.fixture(autouse=True)
def _forget_rolled_back_configuration():
	"""Frappe caches notifications, assignment rules and workflows per doctype; what a test made and rolled
	back must not stay in those caches for the next test's ToDo or Incident."""
	yield
	frappe.db.rollback()
	frappe.clear_cache()


@pytest.fixture
def manager(world):
	return world["users"]["manager"]


def insert_notification(name, document_type, **values):
	doc = frappe.get_doc(
		{
			"doctype": "Notification",
			"name": name,
			"subject": f"{name}: {{{{ doc.name }}}}",
			"document_type": document_type,
			"event": "New",
			"channel": "Email",
			"enabled": 0,
			"message": "{{ doc.name }}",
			"recipients": [{"receiver_by_document_field": "owner"}],
			**values,
		}
	)
	doc.flags.name_set = True
	return doc.insert(set_name=name)


def support_account(name="TEST Support Mailbox", email="support-test@test.xnet.kz"):
	return {
		"doctype": "Email Account",
		"email_account_name": name,
		"email_id": email,
		"password": "imap-secret-2026",
		"enable_incoming": 0,
		"use_imap": 1,
		"imap_folder": [{"folder_name": "INBOX", "append_to": "Incident"}],
		"enable_outgoing": 0,
	}


@pytest.fixture
def foreign():
	"""Configuration of other doctypes, as a System Manager keeps it (made by Administrator, rolled back)."""
	for state in ("Pending", "Approved"):
		if not frappe.db.exists("Workflow State", state):
			frappe.get_doc({"doctype": "Workflow State", "workflow_state_name": state}).insert()
	workflow = frappe.get_doc(
		{
			"doctype": "Workflow",
			"workflow_name": "TEST ToDo approval",
			"document_type": "ToDo",
			# ToDo's own field: no custom field (and no DDL, which would end the test's transaction)
			"workflow_state_field": "status",
			"is_active": 0,
			"states": [
				{"state": "Pending", "doc_status": "0", "allow_edit": "System Manager"},
				{"state": "Approved", "doc_status": "0", "allow_edit": "System Manager"},
			],
		}
	).insert()
	rule = frappe.get_doc(
		{
			"doctype": "Assignment Rule",
			"document_type": "Note",
			"priority": 1,
			"disabled": 1,
			"assign_condition": "public == 1",
			"rule": "Round Robin",
			"users": [{"user": "Administrator"}],
			"assignment_days": [{"day": "Monday"}],
		}
	).insert(set_name="TEST Note rule")
	account = frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": "TEST Accounting Mailbox",
			"email_id": "accounting-test@test.xnet.kz",
			"password": "accounting-secret",
			"enable_incoming": 0,
			"enable_outgoing": 0,
		}
	).insert()
	template = frappe.get_doc(
		{"doctype": "Email Template", "name": "TEST Welcome", "subject": "Welcome", "response": "Hello"}
	).insert()
	return {
		"Workflow": workflow.name,
		"Notification": insert_notification("TEST ToDo reminder", "ToDo").name,
		"user_notification": insert_notification("TEST New user", "User").name,
		"Assignment Rule": rule.name,
		"Email Account": account.name,
		"Email Template": template.name,
	}


OURS = {
	"Workflow": WORKFLOW_NAME,
	"Notification": INCIDENT_NOTIFICATION,
	"Assignment Rule": DEFAULT_RULE_NAME,
}


@pytest.mark.parametrize("doctype", sorted(OURS))
def test_manager_lists_and_opens_only_the_helpdesks_records(manager, foreign, doctype):
	frappe.set_user(manager)
	listed = set(frappe.get_list(doctype, pluck="name", limit_page_length=0))
	assert OURS[doctype] in listed
	assert foreign[doctype] not in listed
	assert foreign["user_notification"] not in listed
	_doc, docinfo = open_form(doctype, OURS[doctype])
	assert docinfo.permissions["write"]
	with pytest.raises(frappe.PermissionError):
		open_form(doctype, foreign[doctype])
	assert not frappe.has_permission(doctype, "write", doc=foreign[doctype])
	# the rights of a System Manager are theirs whole, also with the helpdesk's role
	frappe.set_user("Administrator")
	admin = ensure_user("config_sysadmin", ["System Manager", MANAGER_ROLE])
	frappe.set_user(admin)
	assert foreign[doctype] in frappe.get_list(doctype, pluck="name", limit_page_length=0)
	assert frappe.has_permission(doctype, "write", doc=foreign[doctype])


def test_manager_edits_the_incident_workflow(manager):
	frappe.set_user(manager)
	# what the form offers in its link fields, and the Workflow Builder page
	assert "Helpdesk Engineer" in link_options("Role", "Helpdesk")
	assert "In Progress" in link_options("Workflow State", "Progress")
	assert "Take into Work" in link_options("Workflow Action Master", "Take")
	assert "Incident" in link_options("DocType", "Incident")
	from frappe.desk.desk_page import get as get_page

	assert get_page("workflow-builder").name == "workflow-builder"
	from frappe.workflow.doctype.workflow.workflow import get_workflow_state_count

	get_workflow_state_count("Incident", "workflow_state", '["Registered"]')
	# a new state and action, as the form's "create new" makes them
	frappe.get_doc(
		{"doctype": "Workflow State", "workflow_state_name": "TEST Escalated", "style": "Danger"}
	).insert()
	frappe.get_doc({"doctype": "Workflow Action Master", "workflow_action_name": "TEST Escalate"}).insert()
	workflow = frappe.get_doc("Workflow", WORKFLOW_NAME)
	workflow.append(
		"states",
		{
			"state": "TEST Escalated",
			"doc_status": "0",
			"allow_edit": MANAGER_ROLE,
			"update_field": "status",
			"update_value": "In Progress",
		},
	)
	workflow.append(
		"transitions",
		{
			"state": "In Progress",
			"action": "TEST Escalate",
			"next_state": "TEST Escalated",
			"allowed": MANAGER_ROLE,
		},
	)
	workflow.save()
	assert frappe.db.exists("Workflow Transition", {"parent": WORKFLOW_NAME, "action": "TEST Escalate"})


def test_manager_cannot_move_configuration_to_another_doctype(manager, foreign):
	frappe.set_user(manager)
	# an Incident notification turned into one for User
	ours = frappe.get_doc("Notification", INCIDENT_NOTIFICATION)
	ours.document_type = "User"
	with pytest.raises(frappe.PermissionError, match="Incident"):
		ours.save()
	# another doctype's notification, rewritten to look like the helpdesk's (as a REST PUT would)
	theirs = frappe.get_doc("Notification", foreign["Notification"])
	theirs.document_type = "Incident"
	with pytest.raises(frappe.PermissionError):
		theirs.save()
	workflow = frappe.get_doc("Workflow", foreign["Workflow"])
	workflow.document_type = "Incident"
	with pytest.raises(frappe.PermissionError):
		workflow.save()
	with pytest.raises(frappe.PermissionError):
		frappe.delete_doc("Assignment Rule", foreign["Assignment Rule"])


def test_manager_edits_and_creates_incident_notifications(manager, world):
	frappe.set_user(manager)
	doc, _docinfo = open_form("Notification", INCIDENT_NOTIFICATION)
	assert doc.document_type == "Incident"
	notification = frappe.get_doc("Notification", INCIDENT_NOTIFICATION)
	notification.condition = 'doc.channel != "API"'
	notification.save()
	assert frappe.db.get_value("Notification", INCIDENT_NOTIFICATION, "condition") == 'doc.channel != "API"'
	# the form's link fields: roles as recipients, and only the support mailboxes as sender
	assert "Service Center Manager" in link_options("Role", "Service")
	new = insert_notification(
		"TEST Escalated to the center manager",
		"Incident",
		recipients=[{"receiver_by_role": "Service Center Manager"}],
	)
	assert new.owner == manager
	# a standard notification: disabled, then duplicated to be edited (Frappe's own way)
	standard = frappe.get_doc("Notification", "SLA Alert")
	standard.enabled = 0
	standard.save()
	for document_type in ("ToDo", "User"):
		with pytest.raises(frappe.PermissionError, match="Incident"):
			insert_notification(f"TEST {document_type} by the manager", document_type)


def test_manager_edits_the_assignment_rules(manager, world):
	frappe.set_user(manager)
	open_form("Assignment Rule", DEFAULT_RULE_NAME)
	engineer = world["users"]["kar_engineer"]
	assert engineer in link_options("User", engineer.split("@")[0])
	rule = frappe.get_doc("Assignment Rule", DEFAULT_RULE_NAME)
	rule.disabled = 0
	rule.append("users", {"user": engineer})
	rule.save()
	assert frappe.db.get_value("Assignment Rule", DEFAULT_RULE_NAME, "disabled") == 0
	frappe.get_doc(
		{
			"doctype": "Assignment Rule",
			"document_type": "Incident",
			"priority": 20,
			"disabled": 1,
			"assign_condition": 'priority == "Urgent"',
			"rule": "Round Robin",
			"users": [{"user": engineer}],
			"assignment_days": [{"day": "Monday"}],
		}
	).insert(set_name="TEST Urgent round robin")
	with pytest.raises(frappe.PermissionError, match="Incident"):
		frappe.get_doc(
			{
				"doctype": "Assignment Rule",
				"document_type": "Note",
				"priority": 1,
				"assign_condition": "public == 1",
				"rule": "Round Robin",
				"users": [{"user": engineer}],
				"assignment_days": [{"day": "Monday"}],
			}
		).insert(set_name="TEST Note rule by the manager")


def test_manager_edits_the_incident_email_templates(manager, foreign):
	frappe.set_user(manager)
	open_form("Email Template", "Incident Registered (ru)")
	template = frappe.get_doc("Email Template", "Incident Registered (ru)")
	template.subject = "Обращение {{ doc.name }} зарегистрировано"
	template.save()
	frappe.get_doc(
		{"doctype": "Email Template", "name": "Incident Registered (de)", "subject": "Registriert"}
	).insert()
	# other templates: read as every Desk user reads them, not changed
	open_form("Email Template", foreign["Email Template"])
	other = frappe.get_doc("Email Template", foreign["Email Template"])
	other.subject = "Changed"
	with pytest.raises(frappe.PermissionError):
		other.save()
	with pytest.raises(frappe.PermissionError, match="Incident"):
		frappe.get_doc({"doctype": "Email Template", "name": "TEST Newsletter", "subject": "News"}).insert()


def test_manager_configures_the_support_mailbox_only(manager, foreign):
	support = frappe.get_doc(support_account()).insert()
	frappe.set_user(manager)
	listed = set(frappe.get_list("Email Account", pluck="name", limit_page_length=0))
	assert support.name in listed and foreign["Email Account"] not in listed
	doc, _docinfo = open_form("Email Account", support.name)
	assert "imap-secret" not in frappe.as_json(doc)
	# the form's Append To offers Incident
	from frappe.email.doctype.email_account.email_account import get_append_to

	assert ["Incident"] in get_append_to(txt="Inc")
	assert support.name in link_options("Email Account", "Support", filters={"enable_outgoing": 0})
	assert foreign["Email Account"] not in link_options("Email Account", "Accounting")
	account = frappe.get_doc("Email Account", support.name)
	account.initial_sync_count = "250"
	account.save()
	assert frappe.db.get_value("Email Account", support.name, "initial_sync_count") == "250"
	with pytest.raises(frappe.PermissionError):
		open_form("Email Account", foreign["Email Account"])
	other = frappe.get_doc("Email Account", foreign["Email Account"])
	other.imap_folder = []
	other.append("imap_folder", {"folder_name": "INBOX", "append_to": "Incident"})
	with pytest.raises(frappe.PermissionError):
		other.save()
	# a second support mailbox, e.g. for Almaty; not one for other mail
	frappe.get_doc(support_account("TEST Almaty Support", "almaty-support@test.xnet.kz")).insert()
	with pytest.raises(frappe.PermissionError, match="Incident"):
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": "TEST Newsletter Mailbox",
				"email_id": "news-test@test.xnet.kz",
				"enable_incoming": 0,
				"enable_outgoing": 0,
			}
		).insert()
	# nor does a support mailbox leave the helpdesk
	account.reload()
	account.imap_folder[0].append_to = None
	with pytest.raises(frappe.PermissionError, match="Incident"):
		account.save()


HELPDESK_DOCTYPES = {
	"SLA Policy": "policy_name",
	"Service Center": "center_name",
	"Directory Source": "source_name",
	"Client Company": "company_name",
	"Incident Category": "category_name",
}


def test_manager_configures_the_helpdesks_own_doctypes(manager, world):
	"""SLA policies, service centers, directory sources, companies, categories and the settings: list, open,
	save, create (the doctypes' own permissions; guarded here with the rest of the manager's screens)."""
	frappe.set_user(manager)
	for doctype in HELPDESK_DOCTYPES:
		names = frappe.get_list(doctype, pluck="name", limit_page_length=1)
		if names:
			open_form(doctype, names[0])
			frappe.get_doc(doctype, names[0]).save()
		assert frappe.has_permission(doctype, "create")
	frappe.get_doc(
		{
			"doctype": "SLA Policy",
			"policy_name": "TEST KarMet urgent",
			"priority": "Urgent",
			"client_company": "TEST KarMet",
			"response_time_hours": 0.5,
			"resolution_time_hours": 2,
		}
	).insert()
	source = frappe.get_doc(
		{
			"doctype": "Directory Source",
			"source_name": "TEST KarMet AD",
			"client_company": "TEST KarMet",
			"server_url": "ldaps://dc1.karmet.test:636",
			"bind_dn": "CN=helpdesk-sync,OU=Service,DC=karmet,DC=test",
			"bind_password": "directory-secret",
			"base_dn": "DC=karmet,DC=test",
		}
	).insert()
	doc, _docinfo = open_form("Directory Source", source.name)
	assert "directory-secret" not in frappe.as_json(doc)
	center = frappe.get_doc("Service Center", "TEST Karaganda")
	assert world["users"]["kar_center_manager"] in link_options("User", "kar.center")
	center.phone = "8 7212 50 52 52"
	center.save()
	open_form("Helpdesk Settings", "Helpdesk Settings")
	settings = frappe.get_doc("Helpdesk Settings")
	settings.save()


def test_manager_reaches_no_other_administration(manager):
	frappe.set_user(manager)
	for doctype, name in (
		("System Settings", "System Settings"),
		("Role", "System Manager"),
		("User", "Administrator"),
		("DocType", "Incident"),
	):
		with pytest.raises(frappe.PermissionError):
			open_form(doctype, name)
	for doctype in ("Custom DocPerm", "Role Profile", "Server Script", "Property Setter"):
		assert not frappe.has_permission(doctype, "create"), doctype
	with pytest.raises(frappe.PermissionError):
		frappe.get_doc(
			{"doctype": "Custom DocPerm", "parent": "User", "role": MANAGER_ROLE, "read": 1, "write": 1}
		).insert()
	# their own User record: no role added by themselves
	me = frappe.get_doc("User", manager)
	me.append("roles", {"role": "System Manager"})
	me.save()
	assert "System Manager" not in frappe.get_roles(manager)
	# the mail-routing property setters the Append To list reads, no others
	assert not frappe.get_list("Property Setter", filters={"property": ["!=", "email_append_to"]})


def test_manager_configures_over_rest(manager, server):
	"""The same over real HTTP with the manager's API key (committed records, removed afterwards)."""
	from tests.harness.http import api_client

	ours = insert_notification("TEST REST incident notification", "Incident").name
	theirs = insert_notification("TEST REST todo notification", "ToDo").name
	frappe.db.commit()
	try:
		client = api_client(server, manager)
		listed = {
			row["name"]
			for row in client.get("/api/resource/Notification", limit_page_length=0).json()["data"]
		}
		assert {ours, INCIDENT_NOTIFICATION} <= listed and theirs not in listed
		assert client.get(f"/api/resource/Notification/{theirs}").status_code == 403
		response = client.put(f"/api/resource/Notification/{ours}", {"condition": 'doc.priority == "High"'})
		assert response.status_code == 200, response.text
		assert client.put(f"/api/resource/Notification/{theirs}", {"enabled": 1}).status_code == 403
		response = client.post(
			"/api/resource/Notification",
			json={
				"name": "TEST REST by the manager",
				"subject": "x",
				"document_type": "ToDo",
				"event": "New",
				"channel": "Email",
				"message": "x",
				"recipients": [{"receiver_by_document_field": "owner"}],
			},
		)
		assert response.status_code == 403, response.text
		assert client.get(f"/api/resource/Workflow/{WORKFLOW_NAME}").status_code == 200
		assert client.get(f"/api/resource/Assignment Rule/{DEFAULT_RULE_NAME}").status_code == 200
		assert client.get("/api/resource/System Settings/System Settings").status_code == 403
		assert client.get("/api/resource/Role/System Manager").status_code == 403
		accounts = {
			row["name"]
			for row in client.get("/api/resource/Email Account", limit_page_length=0).json()["data"]
		}
		assert not {
			name for name in accounts if not frappe.db.get_value("Email Account", name, "append_to")
		} - set(frappe.get_all("IMAP Folder", filters={"append_to": "Incident"}, pluck="parent"))
	finally:
		frappe.db.rollback()
		for name in (ours, theirs, "TEST REST by the manager"):
			frappe.delete_doc("Notification", name, force=True, ignore_missing=True)
		frappe.db.commit()
