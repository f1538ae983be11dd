"""Sites installed before 2026-11-29: the shipped Incident workflow's states become optional, so Frappe
stops writing a Workflow Action inbox row on every incident save (see setup/install.py create_workflow)."""

import frappe

from xnet_helpdesk.setup import workflow_definition as wf


def execute():
	if not frappe.db.exists("Workflow", wf.WORKFLOW_NAME):
		return
	shipped = [state for state, _style, _roles in wf.STATES]
	frappe.db.set_value(
		"Workflow Document State",
		{"parent": wf.WORKFLOW_NAME, "state": ("in", shipped)},
		"is_optional_state",
		1,
		update_modified=False,
	)
	frappe.db.delete(
		"Workflow Action",
		{"reference_doctype": "Incident", "status": "Open", "workflow_state": ("in", shipped)},
	)
	frappe.clear_cache(doctype="Incident")
