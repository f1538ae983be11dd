"""Desk records that cannot ship as standard JSON: the incident Kanban board.

Like the rest of install.py, it is created when missing and never overwritten: once it exists, its columns,
colours and card fields belong to the admins who arrange the board.
"""

import frappe

from xnet_helpdesk.incident_flow.lifecycle import STATUSES
from xnet_helpdesk.setup import workflow_definition as wf

KANBAN_BOARD_NAME = "Incidents by Status"

# Workflow State style -> Kanban Board Column indicator, so a column has its state's colour
STYLE_TO_INDICATOR = {
	"Primary": "Blue",
	"Info": "Light Blue",
	"Success": "Green",
	"Warning": "Orange",
	"Danger": "Red",
	"Inverse": "Gray",
}
CARD_FIELDS = ["priority", "client_company", "service_center", "engineer_name"]


def ensure_kanban_board() -> None:
	if frappe.db.exists("Kanban Board", KANBAN_BOARD_NAME):
		return
	style_of_state = {state: style for state, style, _roles in wf.STATES}
	board = frappe.new_doc("Kanban Board")
	board.update(
		{
			"kanban_board_name": KANBAN_BOARD_NAME,
			"reference_doctype": "Incident",
			"field_name": "status",
			"private": 0,
			"show_labels": 0,
			"fields": frappe.as_json(CARD_FIELDS),
		}
	)
	for status in STATUSES:
		board.append(
			"columns",
			{
				"column_name": status,
				"status": "Active",
				"indicator": STYLE_TO_INDICATOR.get(style_of_state.get(status), "Gray"),
			},
		)
	# a shared, system-owned board created at install or migrate, not on behalf of a user
	board.insert(ignore_permissions=True)
