"""Who could take an incident: the request the pure ranking reads (assignment/nearest.py), the engineers of
the incident's center and, when allowed, of the nearest other centers, and the order the centers are tried in."""

import frappe

from xnet_helpdesk.assignment.nearest import Candidate, Request


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
