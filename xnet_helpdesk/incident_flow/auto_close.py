"""Resolved incidents with no complaint close by themselves after the configured number of days."""

import frappe
from frappe.utils import add_days, cint, now_datetime

from xnet_helpdesk.incident_flow import lifecycle
from xnet_helpdesk.incident_flow.transitions import move_to


def close_quiet_resolved_incidents(limit: int = 500) -> list[str]:
	days = cint(frappe.db.get_single_value("Helpdesk Settings", "auto_close_days"))
	if days <= 0:
		return []
	incident = frappe.qb.DocType("Incident")
	due = (
		frappe.qb.from_(incident)
		.select(incident.name)
		.where(incident.status == lifecycle.RESOLVED)
		.where(incident.resolved_on <= add_days(now_datetime(), -days))
		.orderby(incident.resolved_on)
		.limit(limit)
		.run(pluck=True)
	)
	closed = []
	for name in due:
		try:
			move_to(frappe.get_doc("Incident", name), lifecycle.CLOSED)
			frappe.db.commit()  # a scheduled job: each incident closes on its own
			closed.append(name)
		except Exception:
			frappe.db.rollback()
			frappe.log_error(
				title=f"Auto-close of {name} failed", reference_doctype="Incident", reference_name=name
			)
	return closed
