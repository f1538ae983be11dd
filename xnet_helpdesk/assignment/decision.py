"""The Frappe side of the "Nearest Free Engineer" assignment rule: decide (rank the candidates, lock the
chosen engineer's row), then record the choice on the incident through the workflow's Assign action and explain
it on the timeline, or queue the incident and say why nobody is free."""

from contextlib import contextmanager

import frappe
from frappe import _
from frappe.utils import now_datetime

from xnet_helpdesk.assignment.candidates import center_stages, known_location, load_candidates, request_for
from xnet_helpdesk.assignment.load import apply_load_change
from xnet_helpdesk.assignment.nearest import Candidate, Decision, Ranked, is_free, rank
from xnet_helpdesk.business_hours.centers import aware, center_calendar, center_data
from xnet_helpdesk.language import site_language, speaking, user_language

NEAREST_FREE = "Nearest Free Engineer"
# incidents the rule changed while one of them was being saved: that save reloads them (Incident.on_change)
RELOAD_FLAG = "xnet_incidents_to_reload"


def decide(rule_users: list[str], incident: dict, exclude=(), lock: bool = True) -> Decision:
	"""Rank the free engineers and, with lock, hold the chosen engineer's row until the transaction ends.

	Two registrations at once wait for each other on that row, and the second sees the first one's load:
	an engineer's capacity is never exceeded."""
	centers = center_data()
	request = request_for(incident, centers, exclude)
	now = aware(now_datetime())
	locations = {
		name: (c["latitude"], c["longitude"])
		if known_location(c["latitude"], c["longitude"])
		else (None, None)
		for name, c in centers.items()
	}
	decision = Decision(chosen=None)
	for stage, limit in center_stages(request, locations):
		on_shift = {c: c in centers and center_calendar(c).is_open_at(now) for c in stage}
		open_centers = [c for c in stage if on_shift[c]]
		if not open_centers:
			continue
		candidates = load_candidates(rule_users, request, open_centers, on_shift, limit)
		found = rank(candidates, request, locations)
		decision.ranked += found.ranked
		decision.rejected.update(found.rejected)
		if not lock:
			if found.chosen:
				decision.chosen = found.chosen
				return decision
			continue
		for ranked in found.ranked:
			current = _lock_engineer(ranked.candidate.name)
			if not current:
				continue
			candidate = Candidate(
				**{
					**ranked.candidate.__dict__,
					"open_load": current.open_load or 0,
					"capacity": current.capacity or 0,
					"availability": current.availability,
					"is_active": bool(current.is_active),
				}
			)
			if is_free(candidate, request.category):
				decision.chosen = Ranked(candidate, ranked.distance_km, ranked.in_home_center)
				return decision
	return decision


def _lock_engineer(name: str):
	engineer = frappe.qb.DocType("Support Engineer")
	rows = (
		frappe.qb.from_(engineer)
		.select(engineer.open_load, engineer.capacity, engineer.availability, engineer.is_active)
		.where(engineer.name == name)
		.for_update()
		.run(as_dict=True)
	)
	return rows[0] if rows else None


# --- recording the decision ---------------------------------------------------------------------------------


@contextmanager
def acting_as_system():
	"""The assignment is the system's act, whoever's save triggered it (a client on the portal, the e-mail
	intake as Guest): the workflow's Assign transition is checked against the system's roles. Only the session
	user is swapped, so the request's session data stays as it was."""
	session = frappe.local.session
	previous = session.user
	session.user = "Administrator"
	try:
		yield
	finally:
		session.user = previous


def assign_transition(state: str | None):
	"""The workflow's Assign transition out of `state`, whoever may take it (None when there is none)."""
	from frappe.model.workflow import get_workflow_name

	workflow_name = get_workflow_name("Incident")
	if not workflow_name or not state:
		return None
	workflow = frappe.get_cached_doc("Workflow", workflow_name)
	return next((t for t in workflow.transitions if t.state == state and t.action == "Assign"), None)


def complete_assignment(incident_name: str, decision: Decision, rule_name: str | None = None) -> None:
	"""Set the engineer, move a Registered incident on through the workflow's Assign action, explain why."""
	from frappe.model.workflow import is_transition_condition_satisfied

	chosen = decision.chosen.candidate
	with acting_as_system():
		from xnet_helpdesk.incident_flow.lifecycle import is_open

		state, status, previous = frappe.db.get_value(
			"Incident", incident_name, ["workflow_state", "status", "engineer"]
		)
		transition = assign_transition(state)
		# The workflow checks a transition's condition ("doc.engineer") on the stored incident, so the engineer
		# is stored first, then the Assign action moves it on in a single save. Storing it directly skips the
		# controller, so the open-load counter (which the chosen engineer's row lock guards) moves here.
		frappe.db.set_value("Incident", incident_name, "engineer", chosen.name, update_modified=False)
		apply_load_change(previous, is_open(status), chosen.name, is_open(status))
		doc = frappe.get_doc("Incident", incident_name)
		# the save compares with the stored row, which has the engineer already: its notifications
		# ("Incident Assigned: engineer") must see the change from the previous engineer
		doc.flags.changed_from = {"engineer": previous}
		doc.engineer_name = frappe.db.get_value("Support Engineer", chosen.name, "full_name")
		if transition and is_transition_condition_satisfied(transition, doc):
			doc.workflow_state = transition.next_state
		else:
			transition = None
		doc.save(ignore_permissions=True)
		# the timeline is read by everyone on the desk: in the site's language, also from a background job
		with speaking(site_language()):
			if transition:
				doc.add_comment("Workflow", _(transition.next_state))
			doc.add_comment("Info", explain(decision))
	frappe.db.set_value(
		"Support Engineer", chosen.name, "last_assigned_on", now_datetime(), update_modified=False
	)
	mark_for_reload(incident_name)


def mark_for_reload(incident_name: str) -> None:
	"""The Incident being saved when the rule ran reloads itself at its end (Incident.on_change)."""
	frappe.flags.setdefault(RELOAD_FLAG, set()).add(incident_name)


def explain(decision: Decision) -> str:
	chosen = decision.chosen
	c = chosen.candidate
	name = frappe.db.get_value("Support Engineer", c.name, "full_name") or c.user
	if chosen.in_home_center:
		where = _("the incident's own service center {0}").format(c.service_center)
	elif chosen.distance_km is not None:
		where = _("service center {0}, {1} km from the client").format(
			c.service_center, f"{chosen.distance_km:.0f}"
		)
	else:
		where = _("service center {0}, distance unknown").format(c.service_center)
	parts = [
		_("Assigned to the nearest free engineer {0}: {1}.").format(name, where),
		_("Open load {0} of {1}.").format(c.open_load, c.capacity),
	]
	if c.skills:
		parts.append(_("Skill: {0}.").format(", ".join(sorted(c.skills))))
	if c.last_assigned_on:
		parts.append(_("Last assigned on {0}.").format(frappe.utils.format_datetime(c.last_assigned_on)))
	else:
		parts.append(_("Never assigned before."))
	others = [r for r in decision.ranked if r.candidate.name != c.name]
	parts.append(_("Free engineers considered: {0}.").format(len(others) + 1))
	if others:
		runner_up = others[0]
		distance = (
			_("own center")
			if runner_up.in_home_center
			else (
				_("{0} km").format(f"{runner_up.distance_km:.0f}")
				if runner_up.distance_km is not None
				else "?"
			)
		)
		parts.append(
			_("Next in line: {0} ({1}, load {2}/{3}).").format(
				runner_up.candidate.user,
				distance,
				runner_up.candidate.open_load,
				runner_up.candidate.capacity,
			)
		)
	return " ".join(parts)


def why_nobody_is_free(incident: dict) -> str:
	"""Each engineer of the incident's service center and what keeps them from taking it."""
	from xnet_helpdesk.assignment.nearest import reasons_not_free

	center = incident.get("service_center")
	category = incident.get("category") or None
	on_shift = center_calendar(center).is_open_at(aware(now_datetime())) if center else False
	engineer = frappe.qb.DocType("Support Engineer")
	rows = (
		frappe.qb.from_(engineer)
		.select(
			engineer.name,
			engineer.full_name,
			engineer.open_load,
			engineer.capacity,
			engineer.availability,
			engineer.support_line,
			engineer.is_active,
		)
		.where(engineer.service_center == (center or ""))
		.where(engineer.is_active == 1)
		.orderby(engineer.name)
		.limit(20)
		.run(as_dict=True)
	)
	skilled = set()
	if category and rows:
		skilled = set(
			frappe.get_all(
				"Support Engineer Skill",
				filters={"parenttype": "Support Engineer", "category": category},
				pluck="parent",
			)
		)
	lines = [] if on_shift else [_("{0} is closed now (working hours or a holiday).").format(center)]
	for row in rows:
		candidate = Candidate(
			name=row.name,
			user=row.name,
			service_center=center,
			latitude=None,
			longitude=None,
			open_load=row.open_load or 0,
			capacity=row.capacity or 0,
			skills=frozenset({category}) if row.name in skilled else frozenset(),
			support_line=row.support_line,
			availability=row.availability,
			on_shift=on_shift,
		)
		reasons = reasons_not_free(candidate, category)
		text = "; ".join(_(template).format(*[_(str(a)) for a in args]) for template, args in reasons)
		lines.append(f"{row.full_name or row.name}: {text or _('free')}")
	if not rows:
		lines.append(_("{0} has no active engineers.").format(center))
	return "\n".join(lines)


def queue_unassigned(incident: dict, decision: Decision | None) -> None:
	"""Nobody free: the incident waits in its center's queue; the timeline says why and the center manager
	hears it, once per wait."""
	name = incident.get("name")
	if frappe.db.get_value("Incident", name, "assignment_queued_on"):
		return
	frappe.db.set_value("Incident", name, "assignment_queued_on", now_datetime(), update_modified=False)
	mark_for_reload(name)
	center = incident.get("service_center")
	# system-owned side records: written whatever the triggering user may do; the timeline in the site's
	# language, the manager's alert in the manager's
	with speaking(site_language()):
		reasons = why_nobody_is_free(incident)
		frappe.get_doc(
			{
				"doctype": "Comment",
				"comment_type": "Info",
				"reference_doctype": "Incident",
				"reference_name": name,
				"content": _("No free engineer: the incident waits in the queue of {0}.").format(center)
				+ "<br>"
				+ frappe.utils.escape_html(reasons).replace("\n", "<br>"),
			}
		).insert(ignore_permissions=True)
	manager = (center_data().get(center) or {}).get("manager")
	if not manager:
		return
	with speaking(user_language(manager)):
		reasons = why_nobody_is_free(incident)
		frappe.get_doc(
			{
				"doctype": "Notification Log",
				"subject": _("Incident {0} waits in the queue of {1}: no engineer is free").format(
					name, center
				),
				"for_user": manager,
				"type": "Alert",
				"document_type": "Incident",
				"document_name": name,
				"email_content": frappe.utils.escape_html(reasons).replace("\n", "<br>"),
			}
		).insert(ignore_permissions=True)
