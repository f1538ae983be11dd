"""Maps the admin-editable workflow's states onto the canonical incident statuses."""

import frappe
from frappe.model.workflow import get_workflow_name

from xnet_helpdesk.incident_flow.lifecycle import STATUSES


def state_status_map() -> dict[str, str]:
	"""Workflow state -> status, from each state's "update field" (status) and "update value".

	A state an admin added without an update value maps by its own name when that is a status,
	else it is left out and keeps the incident's previous status.
	"""
	workflow_name = get_workflow_name("Incident")
	if not workflow_name:
		return {}
	workflow = frappe.get_cached_doc("Workflow", workflow_name)
	mapping = {}
	for row in workflow.states:
		if row.update_field == "status" and row.update_value in STATUSES:
			mapping[row.state] = row.update_value
		elif row.state in STATUSES:
			mapping.setdefault(row.state, row.state)
	return mapping


def status_for_state(state: str, fallback: str | None = None) -> str | None:
	return state_status_map().get(state, fallback)


def states_for_status(status: str) -> list[str]:
	"""The workflow states that mean a given status (an admin may have several, or renamed it)."""
	return [state for state, mapped in state_status_map().items() if mapped == status] or [status]


def workflow_state_for(current_state: str | None, status: str) -> str | None:
	"""The state a direct status change means: preferably one the workflow can reach from current_state."""
	workflow_name = get_workflow_name("Incident")
	if not workflow_name:
		return None
	candidates = states_for_status(status)
	reachable = {
		row.next_state
		for row in frappe.get_cached_doc("Workflow", workflow_name).transitions
		if row.state == current_state
	}
	return next((state for state in candidates if state in reachable), candidates[0])
