import frappe
from frappe.model.document import Document


class PhoneSystemQueue(Document):
	pass
