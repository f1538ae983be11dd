"""Working-hours arithmetic for service centers. Pure Python: no Frappe imports."""

from dataclasses import dataclass
from datetime import time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MINUTES_PER_WEEK = 7 * 24 * 60


@dataclass(frozen=True)
class Shift:
	weekday: str
	start: time
	end: time

	def week_minutes(self) -> list[tuple[int, int]]:
		"""The shift as [start, end) minute ranges of the week (Monday 00:00 = 0); split when it wraps."""
		day = WEEKDAYS.index(self.weekday)
		start = day * 1440 + self.start.hour * 60 + self.start.minute
		length = (_minutes(self.end) - _minutes(self.start)) % 1440 or 1440
		end = start + length
		if end <= MINUTES_PER_WEEK:
			return [(start, end)]
		return [(start, MINUTES_PER_WEEK), (0, end - MINUTES_PER_WEEK)]


def _minutes(value: time) -> int:
	return value.hour * 60 + value.minute


def to_time(value) -> time:
	"""Accept datetime.time, timedelta (as MariaDB returns TIME) or 'HH:MM[:SS]'."""
	if isinstance(value, time):
		return value
	if isinstance(value, timedelta):
		seconds = int(value.total_seconds()) % 86400
		return time(seconds // 3600, seconds % 3600 // 60, seconds % 60)
	parts = [int(p) for p in str(value).split(":")]
	while len(parts) < 3:
		parts.append(0)
	return time(*parts[:3])


def overlapping_shifts(shifts: list[Shift]) -> list[tuple[Shift, Shift]]:
	"""Pairs of shifts whose hours overlap anywhere in the week (including across midnight)."""
	pairs = []
	ranges = [(shift, rng) for shift in shifts for rng in shift.week_minutes()]
	for i, (a, ra) in enumerate(ranges):
		for b, rb in ranges[i + 1 :]:
			if a is not b and ra[0] < rb[1] and rb[0] < ra[1] and (a, b) not in pairs:
				pairs.append((a, b))
	return pairs


def is_valid_time_zone(name: str) -> bool:
	try:
		ZoneInfo(name)
	except (ZoneInfoNotFoundError, ValueError):
		return False
	return bool(name)


def valid_coordinates(latitude, longitude) -> bool:
	"""Both unset is fine (location unknown); otherwise both must be in range."""
	if latitude in (None, "") and longitude in (None, ""):
		return True
	try:
		lat, lon = float(latitude), float(longitude)
	except (TypeError, ValueError):
		return False
	return -90 <= lat <= 90 and -180 <= lon <= 180
