from frappe.model.document import Document


class ServiceCenterHoliday(Document):
	pass
