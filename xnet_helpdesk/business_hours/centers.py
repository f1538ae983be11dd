"""The service centers' calendars as the engines read them (Frappe side of business_hours/schedule.py): each
center's location, manager, working hours, holidays and time zone in one cached read, and the conversion
between Frappe's stored datetimes (naive, in the system time zone) and aware ones. Used by the assignment
(who is on shift, how far) and by the SLA clock (business hours)."""

from datetime import datetime

import frappe
from frappe.utils import get_datetime, get_system_timezone

from xnet_helpdesk.business_hours.schedule import Calendar, Shift, to_time

CENTERS_CACHE_KEY = "xnet_assignment_centers"
CALENDARS_KEY = "xnet_assignment_calendars"


def center_data() -> dict[str, dict]:
	"""Every service center's location and calendar, cached until a center changes (and kept for the rest
	of the request or job once read)."""
	local = frappe.local.flags
	if local.get(CENTERS_CACHE_KEY) is None:
		local[CENTERS_CACHE_KEY] = frappe.cache.get_value(CENTERS_CACHE_KEY, generator=_load_center_data)
		local[CALENDARS_KEY] = {}
	return local[CENTERS_CACHE_KEY]


def center_calendar(name: str) -> Calendar:
	centers = center_data()
	calendars = frappe.local.flags[CALENDARS_KEY]
	if name not in calendars:
		calendars[name] = calendar_of(centers[name]) if name in centers else Calendar()
	return calendars[name]


def clear_center_cache(doc=None, method=None):
	frappe.cache.delete_value(CENTERS_CACHE_KEY)
	frappe.local.flags.pop(CENTERS_CACHE_KEY, None)
	frappe.local.flags.pop(CALENDARS_KEY, None)


def _load_center_data() -> dict[str, dict]:
	center = frappe.qb.DocType("Service Center")
	hours = frappe.qb.DocType("Service Center Working Hours")
	holidays = frappe.qb.DocType("Service Center Holiday")
	data = {
		row.name: {
			"latitude": row.latitude,
			"longitude": row.longitude,
			"time_zone": row.time_zone or "Asia/Almaty",
			"manager": row.manager,
			"shifts": [],
			"holidays": [],
		}
		for row in frappe.qb.from_(center)
		.select(center.name, center.latitude, center.longitude, center.time_zone, center.manager)
		.run(as_dict=True)
	}
	for row in (
		frappe.qb.from_(hours)
		.select(hours.parent, hours.weekday, hours.start_time, hours.end_time)
		.where(hours.parenttype == "Service Center")
		.run(as_dict=True)
	):
		if row.parent in data:
			data[row.parent]["shifts"].append(
				(row.weekday, to_time(row.start_time).isoformat(), to_time(row.end_time).isoformat())
			)
	for row in (
		frappe.qb.from_(holidays)
		.select(holidays.parent, holidays.holiday_date)
		.where(holidays.parenttype == "Service Center")
		.run(as_dict=True)
	):
		if row.parent in data:
			data[row.parent]["holidays"].append(str(row.holiday_date))
	return data


def calendar_of(center: dict) -> Calendar:
	from datetime import date

	return Calendar(
		shifts=tuple(Shift(day, to_time(start), to_time(end)) for day, start, end in center["shifts"]),
		holidays=frozenset(date.fromisoformat(d) for d in center["holidays"]),
		time_zone=center["time_zone"],
	)


def service_center_calendar(service_center: str) -> Calendar:
	return center_calendar(service_center)


def aware(value) -> datetime | None:
	"""A datetime as Frappe stores it (naive, in the system time zone) made timezone-aware."""
	from zoneinfo import ZoneInfo

	if not value:
		return None
	return get_datetime(value).replace(tzinfo=ZoneInfo(get_system_timezone()))


def naive(value: datetime | None) -> datetime | None:
	"""An aware datetime back into Frappe's storage form."""
	from zoneinfo import ZoneInfo

	if value is None:
		return None
	return value.astimezone(ZoneInfo(get_system_timezone())).replace(tzinfo=None)
