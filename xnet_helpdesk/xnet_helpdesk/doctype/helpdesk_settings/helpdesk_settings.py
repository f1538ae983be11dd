import frappe
from frappe import _
from frappe.model.document import Document


class HelpdeskSettings(Document):
	def validate(self):
		if self.reopen_window_days < 1:
			frappe.throw(_("The reopen window must be at least one day"))
		if self.portal_link_expiry_days < 1:
			frappe.throw(_("Portal links must stay valid for at least one day"))


def get_settings():
	return frappe.get_cached_doc("Helpdesk Settings")
