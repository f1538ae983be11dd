from frappe.model.document import Document


class ServiceCenterWorkingHours(Document):
	pass
