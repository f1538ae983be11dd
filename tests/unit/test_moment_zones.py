"""The Desk's time zones packed from the system's tzdata for moment-timezone (business_hours/moment_zones.py)."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from xnet_helpdesk.business_hours.moment_zones import base60, pack, unpack


def offset_at(unpacked: dict, moment: datetime) -> int:
	"""moment-timezone's Zone.utcOffset: the first period whose `until` is after the moment."""
	ms = (moment - datetime(1970, 1, 1, tzinfo=timezone.utc)).total_seconds() * 1000
	for offset, until in zip(unpacked["offsets"], unpacked["untils"], strict=False):
		if ms < until:
			return offset
	raise AssertionError("no period")


def test_base60_is_moments():
	assert base60(0) == "0" and base60(-300) == "-50" and base60(59) == "X" and base60(3600) == "100"


def test_almaty_is_utc_plus_5_since_march_2024():
	unpacked = unpack(pack("Asia/Almaty"))
	assert offset_at(unpacked, datetime(2024, 2, 29, 17, 59, tzinfo=timezone.utc)) == -360
	assert offset_at(unpacked, datetime(2024, 2, 29, 18, 1, tzinfo=timezone.utc)) == -300
	assert offset_at(unpacked, datetime(2026, 12, 1, tzinfo=timezone.utc)) == -300


@pytest.mark.parametrize("name", ["Asia/Almaty", "Asia/Qostanay", "Europe/Moscow", "Europe/Berlin", "UTC"])
def test_every_hour_of_recent_years_matches_zoneinfo(name):
	unpacked = unpack(pack(name))
	zone = ZoneInfo(name)
	moment = datetime(2000, 1, 1, tzinfo=timezone.utc)
	while moment < datetime(2030, 1, 1, tzinfo=timezone.utc):
		expected = -round(moment.astimezone(zone).utcoffset().total_seconds() / 60)
		assert offset_at(unpacked, moment) == expected, (name, moment)
		moment += timedelta(hours=7)
