"""Who is free and who is nearest: the pure ranking behind the "Nearest Free Engineer" rule (no site)."""

from collections import Counter
from datetime import datetime

import pytest

from xnet_helpdesk.assignment.nearest import (
	AT_CAPACITY,
	MISSING_SKILL,
	OFF_SHIFT,
	OUTSIDE_HOME,
	Candidate,
	Request,
	great_circle_km,
	load_deltas,
	rank,
)

CENTERS = {
	"Karaganda": (49.806406, 73.085485),
	"Astana": (51.169392, 71.449074),
	"Almaty": (43.238949, 76.889709),
}
KARAGANDA_CLIENT = (49.83, 73.10)


def engineer(name, center="Karaganda", **values):
	return Candidate(
		name=name,
		user=f"{name}@x",
		service_center=center,
		latitude=None,
		longitude=None,
		open_load=values.pop("open_load", 0),
		capacity=values.pop("capacity", 5),
		**values,
	)


def request(**values):
	return Request(
		home_center=values.pop("home_center", "Karaganda"),
		latitude=values.pop("latitude", KARAGANDA_CLIENT[0]),
		longitude=values.pop("longitude", KARAGANDA_CLIENT[1]),
		**values,
	)


def test_great_circle_distances_between_cities():
	assert great_circle_km(*CENTERS["Karaganda"], *CENTERS["Astana"]) == pytest.approx(191, abs=5)
	assert great_circle_km(*CENTERS["Karaganda"], *CENTERS["Almaty"]) == pytest.approx(786, abs=10)
	assert great_circle_km(1, 2, 1, 2) == 0
	assert great_circle_km(None, 2, 1, 2) is None


def test_own_center_is_preferred_even_when_busier():
	own = engineer("own", open_load=4)
	astana = engineer("astana", "Astana")
	decision = rank([astana, own], request(allow_other_centers=True), CENTERS)
	assert decision.user == "own@x"


def test_other_centers_only_when_allowed():
	busy = engineer("busy", open_load=5)
	astana = engineer("astana", "Astana")
	decision = rank([busy, astana], request(), CENTERS)
	assert decision.user is None
	assert (OUTSIDE_HOME, ()) in decision.rejected["astana"]
	assert (AT_CAPACITY, (5, 5)) in decision.rejected["busy"]


def test_next_nearest_center_by_great_circle_distance():
	busy = engineer("busy", open_load=5)
	almaty = engineer("almaty", "Almaty")
	astana = engineer("astana", "Astana", open_load=3)
	decision = rank([busy, almaty, astana], request(allow_other_centers=True), CENTERS)
	assert [r.candidate.name for r in decision.ranked] == ["astana", "almaty"]
	assert decision.chosen.distance_km == pytest.approx(191, abs=8)


def test_walk_in_measured_from_the_center_itself():
	almaty_request = request(home_center="Almaty", latitude=43.238949, longitude=76.889709)
	decision = rank(
		[engineer("k", "Karaganda"), engineer("a", "Astana")],
		Request(**{**almaty_request.__dict__, "allow_other_centers": True}),
		CENTERS,
	)
	assert decision.user == "k@x"  # Karaganda is nearer to Almaty than Astana


def test_free_means_available_on_shift_second_line_active_below_capacity_with_skill():
	cases = {
		"away": engineer("away", availability="Away"),
		"off": engineer("off", on_shift=False),
		"first": engineer("first", support_line="First Line"),
		"inactive": engineer("inactive", is_active=False),
		"full": engineer("full", open_load=2, capacity=2),
		"unskilled": engineer("unskilled", skills=frozenset({"Network"})),
	}
	decision = rank(list(cases.values()), request(category="Hardware"), CENTERS)
	assert decision.user is None
	assert (OFF_SHIFT, ()) in decision.rejected["off"]
	assert (MISSING_SKILL, ("Hardware",)) in decision.rejected["unskilled"]
	assert set(decision.rejected) == set(cases)
	skilled = engineer("skilled", skills=frozenset({"Hardware", "Network"}))
	assert rank([*cases.values(), skilled], request(category="Hardware"), CENTERS).user == "skilled@x"


def test_no_category_needs_no_skill():
	assert rank([engineer("plain")], request(), CENTERS).user == "plain@x"


def test_ties_go_to_lower_load_then_least_recently_assigned():
	recent = engineer("recent", last_assigned_on=datetime(2026, 1, 5, 12))
	earlier = engineer("earlier", last_assigned_on=datetime(2026, 1, 5, 9))
	never = engineer("never")
	loaded = engineer("loaded", open_load=1)
	order = [r.candidate.name for r in rank([loaded, recent, earlier, never], request(), CENTERS).ranked]
	assert order == ["never", "earlier", "recent", "loaded"]


def test_excluded_engineers_are_skipped():
	decision = rank([engineer("a"), engineer("b")], request(exclude=frozenset({"a"})), CENTERS)
	assert decision.user == "b@x"


def test_spreading_1000_assignments_stays_within_ten_percent():
	names = [f"e{i}" for i in range(7)]
	last = dict.fromkeys(names)
	counts = Counter()
	for step in range(1000):
		pool = [engineer(n, last_assigned_on=last[n]) for n in names]
		chosen = rank(pool, request(), CENTERS).chosen.candidate.name
		counts[chosen] += 1
		last[chosen] = datetime.fromtimestamp(1_700_000_000 + step)
	mean = 1000 / len(names)
	assert all(abs(c - mean) <= 0.1 * mean for c in counts.values()), counts


def test_load_counter_moves():
	assert load_deltas(None, True, "a", True) == {"a": 1}
	assert load_deltas("a", True, "b", True) == {"a": -1, "b": 1}
	assert load_deltas("a", True, "a", False) == {"a": -1}
	assert load_deltas("a", False, "a", True) == {"a": 1}
	assert load_deltas("a", True, "a", True) == {}
	assert load_deltas("a", False, None, False) == {}
