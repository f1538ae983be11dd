import frappe
from frappe.model.document import Document

from xnet_helpdesk.telephony import callbacks


class Call(Document):
	"""Written by the phone systems' events (telephony/service.py); people only take and mark callbacks."""

	@frappe.whitelist()
	def take_callback(self):
		return callbacks.take(self)

	@frappe.whitelist()
	def mark_callback(self, result: str, note: str | None = None):
		return callbacks.mark(self, result, note)
