from frappe.model.document import Document


class PendingNotification(Document):
	"""An incident's e-mails decided on save and not yet handed to the Email Queue; written and deleted by
	xnet_helpdesk.notify.outbox only (a row that stays here names a delivery that failed, and why)."""
