from frappe.model.document import Document


class DirectorySyncLogEntry(Document):
	pass
