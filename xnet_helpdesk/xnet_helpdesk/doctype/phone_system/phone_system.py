import frappe
from frappe import _
from frappe.model.document import Document

from xnet_helpdesk.telephony.identify import region
from xnet_helpdesk.telephony.numbers import to_e164

MIN_TOKEN_LENGTH = 24


class PhoneSystem(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from xnet_helpdesk.xnet_helpdesk.doctype.phone_system_number.phone_system_number import (
			PhoneSystemNumber,
		)
		from xnet_helpdesk.xnet_helpdesk.doctype.phone_system_queue.phone_system_queue import PhoneSystemQueue

		enabled: DF.Check
		hmac_secret: DF.Password | None
		numbers: DF.Table[PhoneSystemNumber]
		queues: DF.Table[PhoneSystemQueue]
		service_center: DF.Link
		system_name: DF.Data
		token: DF.Password

	# end: auto-generated types
	def validate(self):
		self.validate_token()
		self.normalise_numbers()
		self.validate_queues()

	def validate_token(self):
		# a Password field holds "*****" in a form that did not change it; the stored secret is kept then
		token = self.get("token") or ""
		if token and set(token) != {"*"} and len(token) < MIN_TOKEN_LENGTH:
			frappe.throw(_("The token must have at least {0} characters").format(MIN_TOKEN_LENGTH))

	def normalise_numbers(self):
		numbers_region = region()
		seen = set()
		for row in self.numbers:
			number = to_e164(row.number, numbers_region)
			if not number:
				frappe.throw(_("Row {0}: {1} is not a phone number").format(row.idx, frappe.bold(row.number)))
			if number in seen:
				frappe.throw(_("Row {0}: {1} is listed twice").format(row.idx, frappe.bold(row.number)))
			seen.add(number)
			row.number_e164 = number

	def validate_queues(self):
		seen = set()
		for row in self.queues:
			row.queue = (row.queue or "").strip()
			if (row.queue, row.operator) in seen:
				frappe.throw(_("Row {0}: this operator is already in queue {1}").format(row.idx, row.queue))
			seen.add((row.queue, row.operator))
