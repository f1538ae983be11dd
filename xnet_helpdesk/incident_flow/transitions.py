"""Status changes the system makes on someone's behalf (a client's e-mail reply, the auto-close job)."""

import frappe

from xnet_helpdesk.incident_flow.workflow_map import workflow_state_for


def move_to(incident, status: str, **fields):
	"""Move an incident to a canonical status through the admin's workflow and save it.

	It runs as Administrator: the actor (a client whose e-mail matched the incident, a scheduled job) has
	been verified by the caller, and Administrator holds every workflow role, so the workflow still decides
	which moves exist while the lifecycle rules in Incident.validate still apply.
	"""
	incident.update(fields)
	incident.workflow_state = workflow_state_for(incident.workflow_state, status) or status
	previous_user = frappe.session.user
	frappe.set_user("Administrator")
	try:
		incident.save(ignore_permissions=True)
	finally:
		frappe.set_user(previous_user)
	return incident
