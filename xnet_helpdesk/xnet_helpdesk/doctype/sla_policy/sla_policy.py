import frappe
from frappe import _
from frappe.model.document import Document


class SLAPolicy(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		client_company: DF.Link | None
		enabled: DF.Check
		policy_name: DF.Data
		priority: DF.Literal["Low", "Medium", "High", "Urgent"]
		resolution_time_hours: DF.Float
		response_time_hours: DF.Float

	# end: auto-generated types
	def validate(self):
		self.validate_targets()
		self.validate_unique_scope()

	def validate_targets(self):
		if self.response_time_hours <= 0 or self.resolution_time_hours <= 0:
			frappe.throw(_("Response and resolution targets must be more than zero hours"))
		if self.resolution_time_hours < self.response_time_hours:
			frappe.throw(_("The resolution target cannot be shorter than the response target"))

	def validate_unique_scope(self):
		"""One enabled policy per priority and company (or per priority for the default)."""
		if not self.enabled:
			return
		clash = frappe.db.get_value(
			"SLA Policy",
			{
				"enabled": 1,
				"priority": self.priority,
				"client_company": self.client_company or ("is", "not set"),
				"name": ("!=", self.name or ""),
			},
		)
		if clash:
			frappe.throw(
				_("Policy {0} already covers priority {1} for {2}").format(
					frappe.bold(clash),
					_(self.priority),
					frappe.bold(self.client_company) if self.client_company else _("all companies"),
				)
			)

	def on_update(self):
		frappe.cache.delete_value("xnet_sla_policies")

	def on_trash(self):
		frappe.cache.delete_value("xnet_sla_policies")
