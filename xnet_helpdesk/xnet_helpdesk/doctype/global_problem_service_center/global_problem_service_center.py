from frappe.model.document import Document


class GlobalProblemServiceCenter(Document):
	pass
