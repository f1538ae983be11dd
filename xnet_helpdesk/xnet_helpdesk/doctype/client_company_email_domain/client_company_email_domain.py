from frappe.model.document import Document


class ClientCompanyEmailDomain(Document):
	pass
