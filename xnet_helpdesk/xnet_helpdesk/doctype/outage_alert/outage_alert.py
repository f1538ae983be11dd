from frappe.model.document import Document


class OutageAlert(Document):
	"""Raised by the burst detector (outages/detector.py); its actions are detector.create_problem and
	detector.dismiss."""
