from frappe.model.document import Document


class IncidentCategory(Document):
	pass
