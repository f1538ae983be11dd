import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import get_datetime, now_datetime

from xnet_helpdesk.outages.fanout import queue_resolution


class GlobalProblem(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from xnet_helpdesk.xnet_helpdesk.doctype.global_problem_client_company.global_problem_client_company import (
			GlobalProblemClientCompany,
		)
		from xnet_helpdesk.xnet_helpdesk.doctype.global_problem_service_center.global_problem_service_center import (
			GlobalProblemServiceCenter,
		)

		affected_client_companies: DF.TableMultiSelect[GlobalProblemClientCompany]
		affected_service_centers: DF.TableMultiSelect[GlobalProblemServiceCenter]
		description: DF.TextEditor | None
		naming_series: DF.Literal["GP-.YYYY.-.####"]
		planned_resolution_time: DF.Datetime | None
		public: DF.Check
		resolution: DF.TextEditor | None
		resolved_on: DF.Datetime | None
		started_on: DF.Datetime
		status: DF.Literal["Active", "Resolved"]
		title: DF.Data

	# end: auto-generated types
	def validate(self):
		self.validate_planned_time()
		self.validate_resolution()
		self.validate_unique_scope()

	def validate_planned_time(self):
		if self.planned_resolution_time and self.started_on:
			if get_datetime(self.planned_resolution_time) < get_datetime(self.started_on):
				frappe.throw(_("The planned resolution time cannot be before the problem started"))

	def validate_resolution(self):
		"""resolved_on is the server's: stamped when the problem becomes Resolved, kept while it stays so,
		cleared when it is made Active again; a value sent over REST or an import is ignored."""
		before = self.get_doc_before_save()
		if self.status == "Resolved":
			if not (self.resolution or "").strip():
				frappe.throw(_("Describe the resolution before marking the problem resolved"))
			was_resolved = before and before.status == "Resolved" and before.resolved_on
			self.resolved_on = before.resolved_on if was_resolved else now_datetime()
		else:
			self.resolved_on = None

	def validate_unique_scope(self):
		for table, fieldname in (
			("affected_service_centers", "service_center"),
			("affected_client_companies", "client_company"),
		):
			values = [row.get(fieldname) for row in self.get(table)]
			if len(values) != len(set(values)):
				frappe.throw(_("{0}: each entry may appear only once").format(_(self.meta.get_label(table))))

	def on_update(self):
		if self.has_value_changed("planned_resolution_time"):
			self.copy_planned_time_to_open_incidents()
			# an update that sets the time e-mails it itself (outages/updates.py)
			if (
				self.get_doc_before_save()
				and self.planned_resolution_time
				and not self.flags.announced_by_update
			):
				self.queue_planned_time_notice()
		if self.status == "Resolved" and self.has_value_changed("status"):
			queue_resolution(self.name)

	def queue_planned_time_notice(self):
		"""Clients hear of the new estimate from a background job, not within this request."""
		frappe.enqueue(
			"xnet_helpdesk.outages.notices.notify_planned_time_change",
			# one e-mail per affected client: thousands for a city-wide outage (~50 ms each)
			queue="long",
			timeout=3600,
			enqueue_after_commit=True,
			problem=self.name,
			planned_resolution_time=str(get_datetime(self.planned_resolution_time)),
		)

	def copy_planned_time_to_open_incidents(self):
		"""Linked open incidents always show the problem's current estimate."""
		from xnet_helpdesk.incident_flow.lifecycle import OPEN_STATUSES

		incident = frappe.qb.DocType("Incident")
		(
			frappe.qb.update(incident)
			.set(incident.planned_resolution_time, self.planned_resolution_time)
			.where(incident.global_problem == self.name)
			.where(incident.status.isin(list(OPEN_STATUSES)))
		).run()
