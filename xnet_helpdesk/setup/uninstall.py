"""Leave the site as it was: what install created outside the app's own doctypes goes too."""

import frappe

from xnet_helpdesk.setup.desk import KANBAN_BOARD_NAME
from xnet_helpdesk.setup.install import CUSTOM_FIELDS, ROLES
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
	for role in ROLES:
		if frappe.db.exists("Role", role):
			frappe.delete_doc("Role", role, ignore_permissions=True, force=True)
