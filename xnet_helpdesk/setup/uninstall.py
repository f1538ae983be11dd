"""Leave the site as it was: what install created outside the app's own doctypes goes too."""

import frappe

from xnet_helpdesk.outgoing.template_texts import TEMPLATES
from xnet_helpdesk.setup.desk import KANBAN_BOARD_NAME
from xnet_helpdesk.setup.install import CUSTOM_FIELDS, ROLES
from xnet_helpdesk.setup.permissions_setup import remove_permissions
from xnet_helpdesk.setup.workflow_definition import WORKFLOW_NAME


def before_uninstall():
	# not linked to our module, so frappe's uninstall would leave it pointing at a dropped doctype
	if frappe.db.exists("Kanban Board", KANBAN_BOARD_NAME):
		frappe.delete_doc("Kanban Board", KANBAN_BOARD_NAME, ignore_permissions=True, force=True)
	if frappe.db.exists("Workflow", WORKFLOW_NAME):
		frappe.delete_doc("Workflow", WORKFLOW_NAME, ignore_permissions=True, force=True)
	for doctype, fields in CUSTOM_FIELDS.items():
		for df in fields:
			name = f"{doctype}-{df['fieldname']}"
			if frappe.db.exists("Custom Field", name):
				frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)
	# records of Frappe doctypes that point at ours: left behind they would break on a dropped doctype
	our_doctypes = frappe.get_all("DocType", filters={"module": "XNet Helpdesk"}, pluck="name")
	for doctype, filters in (
		("Notification", {"document_type": ["in", our_doctypes]}),
		("Assignment Rule", {"document_type": ["in", our_doctypes]}),
		("Property Setter", {"doc_type": "Assignment Rule", "field_name": ["in", ["rule", "users"]]}),
	):
		for name in frappe.get_all(doctype, filters=filters, pluck="name"):
			frappe.delete_doc(doctype, name, ignore_permissions=True, force=True)
	for event, language in TEMPLATES:
		if frappe.db.exists("Email Template", f"{event} ({language})"):
			frappe.delete_doc("Email Template", f"{event} ({language})", ignore_permissions=True, force=True)
	remove_permissions(ROLES)
	for role in ROLES:
		if frappe.db.exists("Role", role):
			frappe.delete_doc("Role", role, ignore_permissions=True, force=True)


def after_uninstall():
	# Frappe keeps the site's hooks cached: without this, the permission hooks of this app on Frappe's own
	# doctypes (Workflow, Notification, Contact, …) would still be called, and fail, until a clear-cache
	frappe.clear_cache()
