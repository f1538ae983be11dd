import frappe
from frappe import _
from frappe.model.document import Document

from xnet_helpdesk.telephony.identify import region
from xnet_helpdesk.telephony.numbers import to_e164


class BlockedNumber(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		number: DF.Data
		number_e164: DF.Data | None
		reason: DF.SmallText | None

	# end: auto-generated types
	def validate(self):
		number = to_e164(self.number, region())
		if not number:
			frappe.throw(_("{0} is not a phone number").format(frappe.bold(self.number)))
		self.number_e164 = number
		duplicate = frappe.db.exists("Blocked Number", {"number_e164": number, "name": ("!=", self.name)})
		if duplicate:
			frappe.throw(_("{0} is already blocked").format(frappe.bold(number)), frappe.DuplicateEntryError)
