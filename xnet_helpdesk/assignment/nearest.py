"""Choosing the nearest free second-line engineer. Pure Python: no Frappe imports.

The Frappe layer (assignment/candidates.py, decision.py) loads engineers and centers and feeds them here; everything that
decides (who is free, how far, who goes first) is arithmetic on these plain values.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime

EARTH_RADIUS_KM = 6371.0088

# why an engineer is not free; the English text is translated by the caller
NOT_SECOND_LINE = "not second line"
INACTIVE = "inactive"
NOT_AVAILABLE = "availability is {0}"
OFF_SHIFT = "off shift"
AT_CAPACITY = "open load {0}/{1}"
MISSING_SKILL = "lacks skill {0}"
OUTSIDE_HOME = "another service center"


@dataclass(frozen=True)
class Candidate:
	name: str
	user: str
	service_center: str
	latitude: float | None
	longitude: float | None
	open_load: int
	capacity: int
	skills: frozenset[str] = frozenset()
	last_assigned_on: datetime | None = None
	support_line: str = "Second Line"
	is_active: bool = True
	availability: str = "Available"
	on_shift: bool = True


@dataclass(frozen=True)
class Request:
	"""Where the incident is and what it needs."""

	home_center: str
	latitude: float | None
	longitude: float | None
	category: str | None = None
	allow_other_centers: bool = False
	exclude: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Ranked:
	candidate: Candidate
	distance_km: float | None
	in_home_center: bool


@dataclass
class Decision:
	chosen: Ranked | None
	ranked: list[Ranked] = field(default_factory=list)
	rejected: dict[str, list[tuple[str, tuple]]] = field(default_factory=dict)

	@property
	def user(self) -> str | None:
		return self.chosen.candidate.user if self.chosen else None


def great_circle_km(lat1, lon1, lat2, lon2) -> float | None:
	"""Haversine distance in kilometres; None when either point is unknown."""
	if None in (lat1, lon1, lat2, lon2):
		return None
	phi1, phi2 = math.radians(lat1), math.radians(lat2)
	dphi = phi2 - phi1
	dlambda = math.radians(lon2 - lon1)
	a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
	return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def reasons_not_free(candidate: Candidate, category: str | None) -> list[tuple[str, tuple]]:
	reasons = []
	if candidate.support_line != "Second Line":
		reasons.append((NOT_SECOND_LINE, ()))
	if not candidate.is_active:
		reasons.append((INACTIVE, ()))
	if candidate.availability != "Available":
		reasons.append((NOT_AVAILABLE, (candidate.availability,)))
	if not candidate.on_shift:
		reasons.append((OFF_SHIFT, ()))
	if candidate.open_load >= candidate.capacity:
		reasons.append((AT_CAPACITY, (candidate.open_load, candidate.capacity)))
	if category and category not in candidate.skills:
		reasons.append((MISSING_SKILL, (category,)))
	return reasons


def is_free(candidate: Candidate, category: str | None) -> bool:
	return not reasons_not_free(candidate, category)


def _never_assigned_first(moment: datetime | None) -> tuple:
	# whoever was never assigned goes before anyone who was; then the earliest last assignment
	return (0, 0.0) if moment is None else (1, moment.timestamp())


def sort_key(ranked: Ranked) -> tuple:
	"""Own center first, then distance (unknown last), then load, then least recently assigned, then name."""
	distance = ranked.distance_km if ranked.distance_km is not None else math.inf
	c = ranked.candidate
	return (
		not ranked.in_home_center,
		0.0 if ranked.in_home_center else round(distance, 3),
		c.open_load,
		_never_assigned_first(c.last_assigned_on),
		c.name,
	)


def rank(candidates: list[Candidate], request: Request, center_locations: dict[str, tuple]) -> Decision:
	"""Rank the free engineers for a request; the first of `ranked` is the choice.

	center_locations maps a service center to its (latitude, longitude). Engineers of other centers take
	part only when the request allows it.
	"""
	ranked, rejected = [], {}
	for candidate in candidates:
		if candidate.name in request.exclude:
			continue
		reasons = reasons_not_free(candidate, request.category)
		in_home = candidate.service_center == request.home_center
		if not in_home and not request.allow_other_centers:
			reasons.append((OUTSIDE_HOME, ()))
		if reasons:
			rejected[candidate.name] = reasons
			continue
		lat, lon = center_locations.get(candidate.service_center, (None, None))
		distance = great_circle_km(request.latitude, request.longitude, lat, lon)
		ranked.append(Ranked(candidate, distance, in_home))
	ranked.sort(key=sort_key)
	return Decision(chosen=ranked[0] if ranked else None, ranked=ranked, rejected=rejected)


def load_deltas(
	old_engineer: str | None, old_open: bool, new_engineer: str | None, new_open: bool
) -> dict[str, int]:
	"""How an incident's change moves engineers' open-load counters."""
	deltas: dict[str, int] = {}
	if old_engineer and old_open:
		deltas[old_engineer] = deltas.get(old_engineer, 0) - 1
	if new_engineer and new_open:
		deltas[new_engineer] = deltas.get(new_engineer, 0) + 1
	return {engineer: delta for engineer, delta in deltas.items() if delta}
