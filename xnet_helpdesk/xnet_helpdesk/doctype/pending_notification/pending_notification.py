from frappe.model.document import Document


class PendingNotification(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		attempts: DF.Int
		last_error: DF.SmallText | None
		notifications: DF.SmallText | None
		reference_doctype: DF.Link | None
		reference_name: DF.DynamicLink | None
	# end: auto-generated types
	"""An incident's e-mails decided on save and not yet handed to the Email Queue; written and deleted by
	xnet_helpdesk.notify.outbox only (a row that stays here names a delivery that failed, and why)."""
