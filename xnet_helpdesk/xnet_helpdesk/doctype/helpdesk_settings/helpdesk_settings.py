import frappe
from frappe import _
from frappe.model.document import Document


class HelpdeskSettings(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		assign_from_other_centers: DF.Check
		assign_in_background: DF.Check
		auto_close_days: DF.Int
		burst_by_category: DF.Check
		burst_by_company: DF.Check
		burst_by_subject_words: DF.Check
		burst_count: DF.Int
		burst_window_minutes: DF.Int
		call_retention_days: DF.Int
		default_priority: DF.Literal["Low", "Medium", "High", "Urgent"]
		default_service_center: DF.Link | None
		phone_region: DF.Data | None
		portal_link_expiry_days: DF.Int
		reopen_window_days: DF.Int
		sla_at_risk_percent: DF.Int
		support_email: DF.Data | None

	# end: auto-generated types
	def validate(self):
		if self.reopen_window_days < 1:
			frappe.throw(_("The reopen window must be at least one day"))
		if self.portal_link_expiry_days < 1:
			frappe.throw(_("Portal links must stay valid for at least one day"))


def get_settings():
	return frappe.get_cached_doc("Helpdesk Settings")
