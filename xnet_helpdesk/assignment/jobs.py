"""When the rule runs: the background half of a registration (the engineer is chosen in a job after the
registration's commit), the retries of incidents waiting for a free engineer, and the reassignment of an
engineer's open incidents when they go off duty."""

from contextlib import contextmanager

import frappe
from frappe import _
from frappe.utils import add_to_date, now_datetime

from xnet_helpdesk.assignment.decision import NEAREST_FREE, decide

# set while the rule must decide at once (the background job itself, retries, an Off Duty reassignment)
ASSIGN_NOW_FLAG = "xnet_assign_now"
PENDING_FLAG = "xnet_assignment_pending"
# a registration whose background job has not run after this long is picked up by retry_waiting
LOST_JOB_MINUTES = 2


def enabled_nearest_rules() -> list[str]:
	return frappe.get_all(
		"Assignment Rule",
		filters={"document_type": "Incident", "disabled": 0, "rule": NEAREST_FREE},
		order_by="priority desc",
		pluck="name",
	)


# --- the background half of a registration ----------------------------------------------------------------


def assigns_in_background() -> bool:
	if frappe.flags.get(ASSIGN_NOW_FLAG):
		return False
	return bool(frappe.db.get_single_value("Helpdesk Settings", "assign_in_background"))


@contextmanager
def deciding_now():
	"""Within this block the Nearest Free Engineer rule decides at once instead of deferring."""
	previous = frappe.flags.get(ASSIGN_NOW_FLAG)
	frappe.flags[ASSIGN_NOW_FLAG] = True
	try:
		yield
	finally:
		frappe.flags[ASSIGN_NOW_FLAG] = previous


def defer_assignment(incident_name: str) -> None:
	"""Frappe's apply() chose the rule while the incident was saved; the choice of engineer (candidates,
	row lock, ToDo, the Assign transition, the explanation) runs in a job after the commit. The marker
	is what the job claims, and what retry_waiting finds if the job was lost."""
	now = now_datetime()
	frappe.db.set_value("Incident", incident_name, "assignment_pending_since", now, update_modified=False)
	frappe.flags.setdefault(PENDING_FLAG, {})[incident_name] = now
	frappe.enqueue(
		"xnet_helpdesk.assignment.jobs.assign_pending",
		queue="short",
		enqueue_after_commit=True,
		incident=incident_name,
	)


def assign_pending(incident: str) -> bool:
	"""The job: Frappe's apply() once more for the incident, deciding at once. One runner per incident
	(the job, or retry_waiting after a lost job): the marker is claimed under the incident's row lock.
	False when another runner had it, or the incident is gone."""
	from frappe.automation.doctype.assignment_rule.assignment_rule import apply

	claimed = frappe.db.get_value("Incident", incident, "assignment_pending_since", for_update=True)
	if not claimed:
		return False
	frappe.db.set_value("Incident", incident, "assignment_pending_since", None, update_modified=False)
	with deciding_now():
		apply(doctype="Incident", name=incident)
	return True


def lost_assignment_jobs(limit: int) -> list[str]:
	incident = frappe.qb.DocType("Incident")
	return (
		frappe.qb.from_(incident)
		.select(incident.name)
		.where(incident.assignment_pending_since.isnotnull())
		.where(incident.assignment_pending_since < add_to_date(now_datetime(), minutes=-LOST_JOB_MINUTES))
		.orderby(incident.assignment_pending_since)
		.limit(limit)
		.run(pluck=True)
	)


def retry_waiting(limit: int = 200, commit: bool = True) -> int:
	"""Scheduled (and after an engineer becomes free): give waiting incidents another go, oldest first,
	through Frappe's own Assignment Rule machinery; registrations whose background job was lost first.
	Returns how many got an engineer."""
	from frappe.automation.doctype.assignment_rule.assignment_rule import apply

	for name in lost_assignment_jobs(limit):
		assign_pending(name)
		if commit:
			frappe.db.commit()
	if not enabled_nearest_rules():
		return 0
	incident = frappe.qb.DocType("Incident")
	waiting = (
		frappe.qb.from_(incident)
		.select(incident.name, incident.service_center)
		.where(incident.status == "Registered")
		.where(incident.engineer.isnull() | (incident.engineer == ""))
		.where(incident.assignment_queued_on.isnotnull())
		.orderby(incident.registered_on)
		.limit(limit)
		.run(as_dict=True)
	)
	nobody_free_in, assigned = set(), 0
	allow_other = frappe.db.get_single_value("Helpdesk Settings", "assign_from_other_centers")
	for row in waiting:
		if row.service_center in nobody_free_in and not allow_other:
			continue
		with deciding_now():
			apply(doctype="Incident", name=row.name)
		if frappe.db.get_value("Incident", row.name, "engineer"):
			assigned += 1
		else:
			nobody_free_in.add(row.service_center)
		if commit:
			frappe.db.commit()
	return assigned


def enqueue_retry() -> None:
	frappe.enqueue(
		"xnet_helpdesk.assignment.jobs.retry_waiting",
		queue="short",
		job_id="xnet-assignment-retry",
		deduplicate=True,
		enqueue_after_commit=True,
	)


def reassign_open_incidents(engineer: str) -> dict:
	"""Hand an engineer's open incidents to others through the same rule (the engineer is no longer free).

	Returns {"reassigned": [...], "kept": [...]}: an incident nobody can take keeps its engineer."""
	from xnet_helpdesk.incident_flow.lifecycle import OPEN_STATUSES

	rules = enabled_nearest_rules()
	if not rules:
		frappe.throw(_("Enable an Assignment Rule of type {0} for Incident first").format(_(NEAREST_FREE)))
	rule = frappe.get_cached_doc("Assignment Rule", rules[0])
	names = frappe.get_all(
		"Incident",
		filters={"engineer": engineer, "status": ("in", list(OPEN_STATUSES))},
		order_by="registered_on asc",
		pluck="name",
	)
	result = {"reassigned": [], "kept": []}
	for name in names:
		incident = frappe.get_doc("Incident", name).as_dict()
		users = [row.user for row in rule.users]
		if not decide(users, incident, exclude={engineer}, lock=False).chosen:
			result["kept"].append(name)
			continue
		rule.reassign(incident, exclude={engineer})
		now_engineer = frappe.db.get_value("Incident", name, "engineer")
		result["reassigned" if now_engineer != engineer else "kept"].append(name)
	return result
