"""The Frappe side of the "Nearest Free Engineer" assignment rule: load engineers and centers, let the pure
ranking decide (assignment/nearest.py), lock the chosen engineer's row, record and explain the choice."""

from contextlib import contextmanager

import frappe
from frappe import _
from frappe.utils import add_to_date, now_datetime

from xnet_helpdesk.assignment.nearest import Candidate, Decision, Ranked, Request, is_free, rank
from xnet_helpdesk.business_hours.centers import aware, center_calendar, center_data
from xnet_helpdesk.language import site_language, speaking, user_language

NEAREST_FREE = "Nearest Free Engineer"
RELOAD_FLAG = "xnet_incidents_to_reload"
# set while the rule must decide at once (the background job itself, retries, an Off Duty reassignment)
ASSIGN_NOW_FLAG = "xnet_assign_now"
PENDING_FLAG = "xnet_assignment_pending"
# a registration whose background job has not run after this long is picked up by retry_waiting
LOST_JOB_MINUTES = 2


# --- data feeding the ranking -----------------------------------------------------------------------------


def known_location(latitude, longitude) -> bool:
	"""Frappe stores an empty Float as 0: (0, 0) in the Gulf of Guinea means "not entered"."""
	if latitude in (None, "") or longitude in (None, ""):
		return False
	return not (float(latitude) == 0 and float(longitude) == 0)


def request_for(incident: dict, centers: dict, exclude=()) -> Request:
	home = incident.get("service_center")
	lat = lon = None
	if incident.get("channel") != "Walk-in" and incident.get("client_company"):
		lat, lon = frappe.db.get_value(
			"Client Company", incident.get("client_company"), ["latitude", "longitude"]
		) or (None, None)
	if not known_location(lat, lon):
		lat, lon = (centers.get(home) or {}).get("latitude"), (centers.get(home) or {}).get("longitude")
	known = known_location(lat, lon)
	return Request(
		home_center=home,
		latitude=lat if known else None,
		longitude=lon if known else None,
		category=incident.get("category") or None,
		allow_other_centers=bool(
			frappe.db.get_single_value("Helpdesk Settings", "assign_from_other_centers")
		),
		exclude=frozenset(exclude),
	)


OTHER_CENTER_CANDIDATES = 25


def load_candidates(
	users: list[str], request: Request, centers: list[str], on_shift: dict, limit: int | None = None
) -> list[Candidate]:
	"""Second-line engineers of `centers` who could take part: the rule's users (everyone when it lists none),
	active, Available, below capacity (the maintained open-load counter: the cost does not grow with the
	number of incidents) and holding the incident's category as a skill. With a limit, the first ones in
	the order of `centers` (nearest first), then load, then least recently assigned."""
	from pypika.terms import CustomFunction

	engineer = frappe.qb.DocType("Support Engineer")
	query = (
		frappe.qb.from_(engineer)
		.select(
			engineer.name,
			engineer.user,
			engineer.service_center,
			engineer.open_load,
			engineer.capacity,
			engineer.last_assigned_on,
		)
		.where(engineer.is_active == 1)
		.where(engineer.availability == "Available")
		.where(engineer.support_line == "Second Line")
		.where(engineer.open_load < engineer.capacity)
		.where(engineer.service_center.isin(centers))
	)
	if users:
		query = query.where(engineer.user.isin(users))
	if request.category:
		skill = frappe.qb.DocType("Support Engineer Skill")
		query = query.where(
			engineer.name.isin(
				frappe.qb.from_(skill)
				.select(skill.parent)
				.where(skill.parenttype == "Support Engineer")
				.where(skill.category == request.category)
			)
		)
	if limit:
		field = CustomFunction("FIELD", ["value", *[f"c{i}" for i in range(len(centers))]])
		query = (
			query.orderby(field(engineer.service_center, *centers))
			.orderby(engineer.open_load)
			.orderby(engineer.last_assigned_on)
			.orderby(engineer.name)
			.limit(limit)
		)
	return [
		Candidate(
			name=row.name,
			user=row.user,
			service_center=row.service_center,
			latitude=None,
			longitude=None,
			open_load=row.open_load or 0,
			capacity=row.capacity or 0,
			skills=frozenset({request.category}) if request.category else frozenset(),
			last_assigned_on=row.last_assigned_on,
			on_shift=on_shift.get(row.service_center, False),
		)
		for row in query.run(as_dict=True)
	]


def center_stages(request: Request, locations: dict) -> list[tuple[list[str], int | None]]:
	"""The home center first; then, when allowed, every other center nearest first, read in one query that
	returns only the best few engineers (so a decision reads as many rows as it needs, not all engineers)."""
	stages = [([request.home_center], None)]
	if request.allow_other_centers:
		from xnet_helpdesk.assignment.nearest import great_circle_km

		def distance(center):
			km = great_circle_km(request.latitude, request.longitude, *locations.get(center, (None, None)))
			return km if km is not None else float("inf")

		others = sorted((c for c in locations if c != request.home_center), key=lambda c: (distance(c), c))
		if others:
			stages.append((others, OTHER_CENTER_CANDIDATES))
	return stages


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


# --- retries and reassignment -------------------------------------------------------------------------------


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
		"xnet_helpdesk.assignment.engine.assign_pending",
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
		"xnet_helpdesk.assignment.engine.retry_waiting",
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
