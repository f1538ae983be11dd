"""Kazakhstan's clock (issue 17, point 5): Frappe's "now" (pytz) and the app's calendars (zoneinfo, the
system's tzdata) agree in every service center's time zone. Frappe 15 pins pytz 2023.3, whose Asia/Almaty is
still UTC+6; the app requires a pytz that knows Kazakhstan's move to UTC+5 on 1 March 2024."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import frappe
import pytz
from frappe.utils import convert_utc_to_timezone, now_datetime

KAZAKHSTAN = ("Asia/Almaty", "Asia/Qostanay", "Asia/Qyzylorda", "Asia/Aqtobe", "Asia/Aqtau", "Asia/Oral")


def zones() -> set[str]:
	return set(
		frappe.get_all("Service Center", pluck="time_zone", filters={"time_zone": ("is", "set")})
	) | set(KAZAKHSTAN)


def test_the_reference_knows_kazakhstans_move_to_utc_plus_5():
	"""The comparison below means something only if zoneinfo's data is newer than 2024a."""
	assert datetime(2024, 6, 1, tzinfo=ZoneInfo("Asia/Almaty")).utcoffset().total_seconds() == 5 * 3600
	assert datetime(2023, 6, 1, tzinfo=ZoneInfo("Asia/Almaty")).utcoffset().total_seconds() == 6 * 3600


def test_pytz_is_at_least_2024a():
	assert pytz.OLSON_VERSION >= "2024a", pytz.OLSON_VERSION


def test_frappes_time_is_the_real_time_in_every_service_centers_zone(site):
	for moment in (
		datetime.now(timezone.utc),
		datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc),
		datetime(2026, 7, 1, 12, 0, tzinfo=timezone.utc),
	):
		for zone in sorted(zones()):
			frappes = convert_utc_to_timezone(moment, zone).replace(tzinfo=None)
			real = moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
			assert frappes == real, (zone, moment, frappes, real)


def test_frappes_now_is_the_sites_real_now(site):
	zone = frappe.get_system_settings("time_zone")
	assert zone == "Asia/Almaty"
	real = datetime.now(ZoneInfo(zone)).replace(tzinfo=None)
	assert abs((now_datetime() - real).total_seconds()) < 60
