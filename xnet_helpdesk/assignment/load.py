"""Each engineer's count of open incidents (Support Engineer.open_load), which the ranking reads to know who is
free: moved with every change of an incident's engineer or openness, recounted from the incidents when asked."""

import frappe


def apply_load_change(old_engineer, old_open: bool, new_engineer, new_open: bool) -> None:
	"""Keep engineers' open-load counters in step with an incident's change (one UPDATE per engineer)."""
	from xnet_helpdesk.assignment.nearest import load_deltas

	engineer = frappe.qb.DocType("Support Engineer")
	for name, delta in load_deltas(old_engineer, old_open, new_engineer, new_open).items():
		(
			frappe.qb.update(engineer)
			.set(engineer.open_load, engineer.open_load + delta)
			.where(engineer.name == name)
		).run()


def recount_open_load() -> None:
	"""Daily: rebuild every counter from the incidents themselves, in case anything bypassed the controller."""
	from frappe.query_builder.functions import Count

	from xnet_helpdesk.incident_flow.lifecycle import OPEN_STATUSES

	incident = frappe.qb.DocType("Incident")
	engineer = frappe.qb.DocType("Support Engineer")
	counts = dict(
		frappe.qb.from_(incident)
		.select(incident.engineer, Count("*"))
		.where(incident.status.isin(list(OPEN_STATUSES)))
		.where(incident.engineer.isnotnull())
		.groupby(incident.engineer)
		.run()
	)
	for name, current in frappe.qb.from_(engineer).select(engineer.name, engineer.open_load).run():
		if (current or 0) != counts.get(name, 0):
			frappe.qb.update(engineer).set(engineer.open_load, counts.get(name, 0)).where(
				engineer.name == name
			).run()
