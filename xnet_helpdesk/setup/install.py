"""Records the app needs on a site. Every step is idempotent and never overwrites what an admin changed:
it creates what is missing. That is why the workflow and roles are not fixtures (a fixture is re-imported
on every migrate and would undo an admin's edits)."""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from xnet_helpdesk.consts import CENTER_MANAGER, CLIENT, ENGINEER, MANAGER, OPERATOR
from xnet_helpdesk.outgoing.mail_templates import ensure_mail_records
from xnet_helpdesk.setup import workflow_definition as wf
from xnet_helpdesk.setup.assignment_setup import ensure_assignment_setup
from xnet_helpdesk.setup.desk import ensure_kanban_board
from xnet_helpdesk.setup.permissions_setup import ensure_permissions
from xnet_helpdesk.setup.portal_setup import ensure_portal_setup

ROLES = {
	OPERATOR: {"desk_access": 1},
	ENGINEER: {"desk_access": 1},
	CENTER_MANAGER: {"desk_access": 1},
	MANAGER: {"desk_access": 1},
	CLIENT: {"desk_access": 0},
}

CUSTOM_FIELDS = {
	"Contact": [
		{
			"fieldname": "is_company_representative",
			"fieldtype": "Check",
			"label": "Company Representative",
			"insert_after": "is_primary_contact",
			"description": "Sees all incidents of the company on the portal",
		},
		{
			"fieldname": "preferred_language",
			"fieldtype": "Link",
			"options": "Language",
			"label": "Preferred Language",
			"insert_after": "is_company_representative",
			"description": "Language of the e-mails we send; Russian when empty",
		},
		# the directory sync (xnet_helpdesk/directory/); "disabled" also hides the contact from link search
		{
			"fieldname": "disabled",
			"fieldtype": "Check",
			"label": "Disabled",
			"insert_after": "status",
			"no_copy": 1,
			"description": "Hidden from caller search, kept with its incidents and ratings. "
			"The directory sync sets it when the account is disabled or removed",
		},
		{
			"fieldname": "directory_source",
			"fieldtype": "Link",
			"options": "Directory Source",
			"label": "Directory Source",
			"insert_after": "designation",
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
		},
		{
			"fieldname": "directory_id",
			"fieldtype": "Data",
			"label": "Directory ID",
			"insert_after": "directory_source",
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
			"description": "objectGUID or entryUUID: the person's key in the directory",
		},
		{
			"fieldname": "directory_external_id",
			"fieldtype": "Data",
			"label": "Directory External ID",
			"insert_after": "directory_id",
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
			"description": "SCIM externalId: the pushing directory's own key for the person",
		},
		{
			"fieldname": "directory_username",
			"fieldtype": "Data",
			"label": "Directory Login",
			"insert_after": "directory_external_id",
			"read_only": 1,
			"no_copy": 1,
			"in_global_search": 1,
			"search_index": 1,  # SCIM's userName: every POST's uniqueness check and filter reads it
		},
		{
			"fieldname": "directory_data",
			"fieldtype": "Long Text",
			"label": "Directory Data",
			"insert_after": "directory_username",
			"read_only": 1,
			"hidden": 1,
			"no_copy": 1,
			"description": "What the directory said at the last sync, to tell its changes from hand edits",
		},
	],
	# the E.164 key an incoming call finds its caller by, indexed (telephony/identify.py)
	"Contact Phone": [
		{
			"fieldname": "phone_e164",
			"fieldtype": "Data",
			"label": "Phone (E.164)",
			"insert_after": "phone",
			"read_only": 1,
			"hidden": 1,
			"no_copy": 1,
			"search_index": 1,
		}
	],
}

LANGUAGES = {"kk": "Қазақ тілі"}


def before_install():
	create_roles()


def after_install():
	ensure_setup()


def ensure_setup():
	"""Also run after every migrate, so sites installed by an older version get what is new.

	It only creates what is missing: changing a shipped record later needs a patch (patches.txt)."""
	create_roles()
	ensure_permissions()
	create_languages()
	create_custom_fields(CUSTOM_FIELDS, update=False)
	create_workflow()
	ensure_kanban_board()
	ensure_assignment_setup()
	ensure_mail_records()
	ensure_portal_setup()
	set_new_setting_defaults()
	backfill_caller_keys()
	frappe.clear_cache(doctype="Incident")


# Helpdesk Settings fields added after the first release: their defaults are stored on existing sites
NEW_SETTINGS = ("assign_in_background", "call_retention_days", "phone_region")


def set_new_setting_defaults():
	"""A field added to the Helpdesk Settings single has no stored value on existing sites (Frappe reads it
	as 0, not as the field's default): store the default once, never overriding an admin's choice."""
	settings = frappe.get_meta("Helpdesk Settings")
	for fieldname in NEW_SETTINGS:
		stored = frappe.db.sql(
			"select 1 from `tabSingles` where doctype = 'Helpdesk Settings' and field = %s", fieldname
		)
		if not stored:
			frappe.db.set_single_value(
				"Helpdesk Settings", fieldname, settings.get_field(fieldname).default or 0
			)


def backfill_caller_keys():
	"""Contact phones stored before their E.164 key existed get it (once; later saves fill it)."""
	from xnet_helpdesk.telephony.identify import backfill

	backfill()


def create_roles():
	for role_name, properties in ROLES.items():
		if not frappe.db.exists("Role", role_name):
			frappe.get_doc({"doctype": "Role", "role_name": role_name, **properties}).insert(
				ignore_permissions=True
			)


def create_languages():
	for code, name in LANGUAGES.items():
		if not frappe.db.exists("Language", code):
			frappe.get_doc(
				{"doctype": "Language", "language_code": code, "language_name": name, "enabled": 1}
			).insert(ignore_permissions=True)


def create_workflow():
	if frappe.db.exists("Workflow", wf.WORKFLOW_NAME):
		return
	for state, style, _roles in wf.STATES:
		if not frappe.db.exists("Workflow State", state):
			frappe.get_doc(
				{"doctype": "Workflow State", "workflow_state_name": state, "style": style}
			).insert(ignore_permissions=True)
	for action in wf.ACTIONS:
		if not frappe.db.exists("Workflow Action Master", action):
			frappe.get_doc({"doctype": "Workflow Action Master", "workflow_action_name": action}).insert(
				ignore_permissions=True
			)
	workflow = frappe.new_doc("Workflow")
	workflow.update(
		{
			"workflow_name": wf.WORKFLOW_NAME,
			"document_type": "Incident",
			"workflow_state_field": "workflow_state",
			"is_active": 1,
			"send_email_alert": 0,
			"override_status": 1,
		}
	)
	for state, _style, roles in wf.STATES:
		for role in roles:
			workflow.append(
				"states",
				{
					"state": state,
					"doc_status": "0",
					"allow_edit": role,
					"update_field": "status",
					"update_value": state,
					# the desk's queues (list, kanban, assignment) are the to-do list here: no state waits
					# for an approval, so Frappe keeps no Workflow Action inbox rows for incidents
					"is_optional_state": 1,
				},
			)
	for state, action, next_state, roles, condition in wf.TRANSITIONS:
		for role in roles:
			workflow.append(
				"transitions",
				{
					"state": state,
					"action": action,
					"next_state": next_state,
					"allowed": role,
					"allow_self_approval": 1,
					"condition": condition,
				},
			)
	workflow.insert(ignore_permissions=True)
