"""A time zone's rules, from the system's tzdata (zoneinfo), in moment-timezone's packed format.

Frappe 15's Desk computes "now" and converts times with moment-timezone 0.5.43 (data 2023c), in which
Asia/Almaty is still UTC+6. The Desk is given its zones again from the server's tzdata (desk_clock.py),
packed as moment.tz.add expects: "name|abbrs|offsets|indices|untils", numbers in base 60, offsets in
minutes west of UTC, untils in minutes (the first from the epoch, then differences).
Transitions are found from 1970 to 2038 (a day's scan, then to the minute); earlier times keep 1970's offset.
"""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
START = datetime(1970, 1, 1, tzinfo=timezone.utc)
END = datetime(2038, 1, 1, tzinfo=timezone.utc)


def base60(number: int) -> str:
	if number == 0:
		return "0"
	sign, number, out = ("-" if number < 0 else ""), abs(number), ""
	while number:
		number, digit = divmod(number, 60)
		out = DIGITS[digit] + out
	return sign + out


def _state(zone: ZoneInfo, moment: datetime) -> tuple[str, int]:
	local = moment.astimezone(zone)
	return local.tzname() or "", -round(local.utcoffset().total_seconds() / 60)


def transitions(name: str, start: datetime = START, end: datetime = END) -> list[tuple[datetime, str, int]]:
	"""[(from when, abbreviation, minutes west of UTC)], the first from `start`."""
	zone = ZoneInfo(name)
	periods = [(start, *_state(zone, start))]
	day, moment = timedelta(days=1), start
	while moment < end:
		later = moment + day
		if _state(zone, later) != periods[-1][1:]:
			low, high = moment, later  # the change is in (low, high]: bisect to the minute
			while high - low > timedelta(minutes=1):
				middle = low + (high - low) / 2
				if _state(zone, middle) == periods[-1][1:]:
					low = middle
				else:
					high = middle
			high = high.replace(second=0, microsecond=0)
			if _state(zone, high) == periods[-1][1:]:
				high += timedelta(minutes=1)
			periods.append((high, *_state(zone, high)))
		moment = later
	return periods


def pack(name: str) -> str:
	periods = transitions(name)
	pairs: list[tuple[str, int]] = []
	indices = ""
	for _when, abbr, offset in periods:
		if (abbr, offset) not in pairs:
			pairs.append((abbr, offset))
		indices += DIGITS[pairs.index((abbr, offset))]
	minutes = [round((when - START).total_seconds() / 60) for when, *_ in periods[1:]]
	untils = [base60(m - (minutes[i - 1] if i else 0)) for i, m in enumerate(minutes)]
	return "|".join(
		[
			name,
			" ".join(abbr.replace(" ", "_") for abbr, _ in pairs),
			" ".join(base60(offset) for _, offset in pairs),
			indices,
			" ".join(untils),
		]
	)


def unpack(packed: str) -> dict:
	"""moment-timezone's unpack, for the tests: {"offsets": [...], "untils": [ms..., inf]} per period."""
	name, _abbrs, offsets, indices, untils = (packed.split("|") + [""] * 5)[:5]

	def number(text: str) -> int:
		sign = -1 if text.startswith("-") else 1
		value = 0
		for char in text.lstrip("-"):
			value = value * 60 + DIGITS.index(char)
		return sign * value

	order = [DIGITS.index(c) for c in indices]
	offset_list = [number(o) for o in offsets.split(" ")]
	raw = [number(u) for u in untils.split(" ")] if untils else []
	ms, total = [], 0
	for value in raw:
		total += value * 60000
		ms.append(total)
	ms.append(float("inf"))
	return {"name": name, "offsets": [offset_list[i] for i in order], "untils": ms[: len(order)]}
