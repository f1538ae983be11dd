from frappe.model.document import Document


class OutageAlertIncident(Document):
	pass
