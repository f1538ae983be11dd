from frappe.model.document import Document


class SupportEngineerSkill(Document):
	pass
