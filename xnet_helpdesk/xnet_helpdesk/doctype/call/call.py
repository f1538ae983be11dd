import frappe
from frappe.model.document import Document

from xnet_helpdesk.telephony import callbacks


class Call(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		answered_at: DF.Datetime | None
		answered_by: DF.Link | None
		answered_by_name: DF.Data | None
		answering_number: DF.Data | None
		call_id: DF.Data
		call_key: DF.Data | None
		callback_by: DF.Link | None
		callback_note: DF.SmallText | None
		callback_result: DF.Literal["", "Reached", "No Answer", "Wrong Number"]
		callback_status: DF.Literal["", "Open", "Taken", "Done", "Closed by a Later Call"]
		caller_engineer: DF.Link | None
		caller_number: DF.Data | None
		cause: DF.Data | None
		client_company: DF.Link | None
		closed_by_call: DF.Link | None
		contact: DF.Link | None
		direction: DF.Literal["in", "out"]
		ended_at: DF.Datetime | None
		from_number: DF.Data | None
		incident: DF.Link | None
		matches: DF.SmallText | None
		phone_system: DF.Link | None
		queue: DF.Data | None
		result: DF.Literal["Ringing", "Talking", "Answered", "Missed", "Busy", "Rejected", "Forwarded"]
		service_center: DF.Link | None
		started_at: DF.Datetime | None
		talking_time: DF.Duration | None
		to_number: DF.Data | None
		waiting_time: DF.Duration | None
	# end: auto-generated types
	"""Written by the phone systems' events (telephony/service.py); people only take and mark callbacks."""

	@frappe.whitelist()
	def take_callback(self):
		return callbacks.take(self)

	@frappe.whitelist()
	def mark_callback(self, result: str, note: str | None = None):
		return callbacks.mark(self, result, note)
