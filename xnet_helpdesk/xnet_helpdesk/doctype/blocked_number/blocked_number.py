import frappe
from frappe import _
from frappe.model.document import Document

from xnet_helpdesk.telephony.identify import region
from xnet_helpdesk.telephony.numbers import to_e164


class BlockedNumber(Document):
	def validate(self):
		number = to_e164(self.number, region())
		if not number:
			frappe.throw(_("{0} is not a phone number").format(frappe.bold(self.number)))
		self.number_e164 = number
		duplicate = frappe.db.exists("Blocked Number", {"number_e164": number, "name": ("!=", self.name)})
		if duplicate:
			frappe.throw(_("{0} is already blocked").format(frappe.bold(number)), frappe.DuplicateEntryError)
