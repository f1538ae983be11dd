from frappe.model.document import Document


class DirectorySyncLog(Document):
	"""Written by xnet_helpdesk.directory.sync only; read-only in Desk."""
