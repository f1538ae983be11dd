import frappe
from frappe.model.document import Document


class PhoneSystemNumber(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		number: DF.Data
		number_e164: DF.Data | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		service_center: DF.Link | None
	# end: auto-generated types
	pass
