from frappe.model.document import Document


class OutageAlertIncident(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		incident: DF.Link | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		registered_on: DF.Datetime | None
		subject: DF.Data | None
	# end: auto-generated types
	pass
