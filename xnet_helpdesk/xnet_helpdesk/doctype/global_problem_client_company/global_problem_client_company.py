from frappe.model.document import Document


class GlobalProblemClientCompany(Document):
	pass
