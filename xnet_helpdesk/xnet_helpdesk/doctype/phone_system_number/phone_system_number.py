import frappe
from frappe.model.document import Document


class PhoneSystemNumber(Document):
	pass
