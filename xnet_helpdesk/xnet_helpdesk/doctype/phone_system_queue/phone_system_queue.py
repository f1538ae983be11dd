import frappe
from frappe.model.document import Document


class PhoneSystemQueue(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		operator: DF.Link
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		queue: DF.Data
	# end: auto-generated types
	pass
