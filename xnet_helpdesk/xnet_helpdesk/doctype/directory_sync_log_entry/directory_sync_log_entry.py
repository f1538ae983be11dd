from frappe.model.document import Document


class DirectorySyncLogEntry(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		directory_id: DF.Data | None
		dn: DF.SmallText | None
		kind: DF.Literal["Skipped", "Warning"]
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		reason: DF.SmallText | None
	# end: auto-generated types
	pass
