import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import get_datetime, now_datetime

from xnet_helpdesk.intake.text import clean_text


class GlobalProblemUpdate(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		global_problem: DF.Link
		message: DF.SmallText
		new_planned_resolution_time: DF.Datetime | None
		notified_clients: DF.Int
		notified_on: DF.Datetime | None
		posted_by: DF.Link | None
		posted_on: DF.Datetime | None

	# end: auto-generated types
	def validate(self):
		self.protect_server_fields()
		self.clean_message()
		self.validate_problem()

	def protect_server_fields(self):
		"""Who posted it and when, and when the clients were told, are the server's."""
		before = self.get_doc_before_save()
		for fieldname in ("posted_on", "posted_by", "notified_on", "notified_clients"):
			self.set(fieldname, before.get(fieldname) if before else None)
		if self.is_new():
			self.posted_on, self.posted_by = now_datetime(), frappe.session.user

	def clean_message(self):
		self.message = clean_text(self.message or "").strip()
		if not self.message:
			frappe.throw(_("Write what is new about the problem"), frappe.MandatoryError)

	def validate_problem(self):
		if not self.is_new():
			return
		problem = frappe.db.get_value(
			"Global Problem", self.global_problem, ["status", "started_on"], as_dict=True
		)
		if not problem or problem.status != "Active":
			frappe.throw(
				_("Global problem {0} is not active: its clients get no more updates").format(
					frappe.bold(self.global_problem)
				)
			)
		if self.new_planned_resolution_time and problem.started_on:
			if get_datetime(self.new_planned_resolution_time) < get_datetime(problem.started_on):
				frappe.throw(_("The planned resolution time cannot be before the problem started"))

	def after_insert(self):
		from xnet_helpdesk.outages import updates

		updates.apply_planned_time(self)
		updates.queue_notice(self.name)
