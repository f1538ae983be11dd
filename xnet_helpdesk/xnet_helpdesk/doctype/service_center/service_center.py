import frappe
from frappe import _
from frappe.model.document import Document

from xnet_helpdesk.business_hours.schedule import (
	Shift,
	is_valid_time_zone,
	overlapping_shifts,
	to_time,
	valid_coordinates,
)
from xnet_helpdesk.incident_flow.contact_details import InvalidPhone, normalize_phone


class ServiceCenter(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from xnet_helpdesk.xnet_helpdesk.doctype.service_center_holiday.service_center_holiday import (
			ServiceCenterHoliday,
		)
		from xnet_helpdesk.xnet_helpdesk.doctype.service_center_working_hours.service_center_working_hours import (
			ServiceCenterWorkingHours,
		)

		address: DF.SmallText | None
		burst_count: DF.Int
		burst_window_minutes: DF.Int
		center_name: DF.Data
		city: DF.Data
		email: DF.Data | None
		holidays: DF.Table[ServiceCenterHoliday]
		is_active: DF.Check
		latitude: DF.Float
		longitude: DF.Float
		manager: DF.Link | None
		phone: DF.Data | None
		secondary_phone: DF.Data | None
		time_zone: DF.Autocomplete
		working_hours: DF.Table[ServiceCenterWorkingHours]

	# end: auto-generated types
	def validate(self):
		self.validate_time_zone()
		self.validate_coordinates()
		self.normalize_phones()
		self.validate_working_hours()
		self.validate_holidays()

	def validate_time_zone(self):
		if not is_valid_time_zone(self.time_zone):
			frappe.throw(_("Unknown time zone {0}").format(frappe.bold(self.time_zone)), title=_("Time Zone"))

	def validate_coordinates(self):
		if not valid_coordinates(self.latitude, self.longitude):
			frappe.throw(_("Latitude must be between -90 and 90 and longitude between -180 and 180"))

	def normalize_phones(self):
		for fieldname in ("phone", "secondary_phone"):
			if self.get(fieldname):
				try:
					self.set(fieldname, normalize_phone(self.get(fieldname)))
				except InvalidPhone:
					frappe.throw(
						_("{0}: {1} is not a valid phone number").format(
							_(self.meta.get_label(fieldname)), frappe.bold(self.get(fieldname))
						)
					)

	def validate_working_hours(self):
		shifts = []
		for row in self.working_hours:
			start, end = to_time(row.start_time), to_time(row.end_time)
			if start == end:
				frappe.throw(_("Working hours row {0}: start and end are the same").format(row.idx))
			shifts.append(Shift(row.weekday, start, end))
		overlaps = overlapping_shifts(shifts)
		if overlaps:
			first, second = overlaps[0]
			frappe.throw(
				_("Working hours overlap: {0} {1}–{2} and {3} {4}–{5}").format(
					_(first.weekday),
					first.start.strftime("%H:%M"),
					first.end.strftime("%H:%M"),
					_(second.weekday),
					second.start.strftime("%H:%M"),
					second.end.strftime("%H:%M"),
				)
			)

	def validate_holidays(self):
		seen = set()
		for row in self.holidays:
			if row.holiday_date in seen:
				frappe.throw(_("Holiday {0} is listed twice").format(frappe.bold(row.holiday_date)))
			seen.add(row.holiday_date)
