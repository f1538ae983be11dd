"""Working-hours arithmetic for service centers. Pure Python: no Frappe imports."""

import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
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


# Business-hours arithmetic: a service center's calendar (weekly shifts, holidays, time zone) turned into
# open intervals in absolute time. Every datetime taken or returned here is timezone-aware.

_SEARCH_CHUNK = timedelta(days=14)
_SEARCH_LIMIT = timedelta(days=3 * 366)


@dataclass(frozen=True)
class Calendar:
	"""When a service center works. No shifts at all means around the clock (holidays still close it);
	a holiday closes the whole local calendar day, including the part of a night shift that falls on it."""

	shifts: tuple[Shift, ...] = ()
	holidays: frozenset[date] = frozenset()
	time_zone: str = "Asia/Almaty"

	@property
	def zone(self) -> ZoneInfo:
		return ZoneInfo(self.time_zone)

	def open_intervals(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
		"""The open intervals within [start, end), clipped, sorted and merged, as aware UTC datetimes."""
		_require_aware(start, end)
		if end <= start:
			return []
		zone = self.zone
		first_day = start.astimezone(zone).date() - timedelta(days=1)
		last_day = end.astimezone(zone).date()
		pieces = []
		day = first_day
		while day <= last_day:
			for local_start, local_end in self._local_shifts_starting(day):
				for piece_start, piece_end in _split_at_midnight(local_start, local_end):
					if piece_start.date() in self.holidays:
						continue
					utc_start = piece_start.replace(tzinfo=zone).astimezone(timezone.utc)
					utc_end = piece_end.replace(tzinfo=zone).astimezone(timezone.utc)
					lo, hi = max(utc_start, start), min(utc_end, end)
					if lo < hi:
						pieces.append((lo, hi))
			day += timedelta(days=1)
		return _merge(pieces)

	def _local_shifts_starting(self, day: date):
		if not self.shifts:
			midnight = datetime.combine(day, time())
			yield midnight, midnight + timedelta(days=1)
			return
		weekday = WEEKDAYS[day.weekday()]
		for shift in self.shifts:
			if shift.weekday == weekday:
				local_start = datetime.combine(day, shift.start)
				length = (_minutes(shift.end) - _minutes(shift.start)) % 1440 or 1440
				yield local_start, local_start + timedelta(minutes=length)

	def is_open_at(self, moment: datetime) -> bool:
		_require_aware(moment)
		local = moment.astimezone(self.zone).replace(tzinfo=None)
		if local.date() in self.holidays:
			return False
		if not self.shifts:
			return True
		# a shift that started yesterday may still run past midnight
		for day in (local.date(), local.date() - timedelta(days=1)):
			for local_start, local_end in self._local_shifts_starting(day):
				if local_start <= local < local_end:
					return True
		return False

	def business_minutes_between(self, start: datetime, end: datetime) -> float:
		"""Open minutes in [start, end); 0 when end is not after start."""
		return sum((hi - lo).total_seconds() for lo, hi in self.open_intervals(start, end)) / 60

	def add_business_minutes(self, start: datetime, minutes: float) -> datetime:
		"""The moment when `minutes` of open time have passed since start (start itself when minutes <= 0,
		or the next opening when start falls outside working hours and minutes > 0)."""
		_require_aware(start)
		if minutes <= 0:
			return start
		return self._utc_after(start.astimezone(timezone.utc), minutes).astimezone(start.tzinfo)

	# every save of an incident asks again for the same deadlines (and a global problem's resolution saves
	# thousands): calendars are few frozen values, so the answers are kept
	@functools.lru_cache(maxsize=4096)  # noqa: B019
	def _utc_after(self, start: datetime, minutes: float) -> datetime:
		remaining = timedelta(minutes=minutes)
		cursor = start
		while cursor - start < _SEARCH_LIMIT:
			for lo, hi in self.open_intervals(cursor, cursor + _SEARCH_CHUNK):
				if hi - lo >= remaining:
					return lo + remaining
				remaining -= hi - lo
			cursor += _SEARCH_CHUNK
		raise ValueError("the calendar has no working hours within three years")

	def next_opening(self, moment: datetime) -> datetime | None:
		"""The moment itself when open, else the start of the next open interval (None within 3 years)."""
		cursor = moment
		while cursor - moment < _SEARCH_LIMIT:
			intervals = self.open_intervals(cursor, cursor + _SEARCH_CHUNK)
			if intervals:
				return intervals[0][0].astimezone(moment.tzinfo)
			cursor += _SEARCH_CHUNK
		return None


def _require_aware(*moments: datetime) -> None:
	for moment in moments:
		if moment.tzinfo is None or moment.utcoffset() is None:
			raise ValueError("business-hours arithmetic needs timezone-aware datetimes")


def _split_at_midnight(local_start: datetime, local_end: datetime):
	cursor = local_start
	while cursor < local_end:
		midnight = datetime.combine(cursor.date() + timedelta(days=1), time())
		piece_end = min(midnight, local_end)
		yield cursor, piece_end
		cursor = piece_end


def _merge(pieces: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
	merged: list[tuple[datetime, datetime]] = []
	for lo, hi in sorted(pieces):
		if merged and lo <= merged[-1][1]:
			merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
		else:
			merged.append((lo, hi))
	return merged
