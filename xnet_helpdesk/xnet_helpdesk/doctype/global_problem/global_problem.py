import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import get_datetime, now_datetime


class GlobalProblem(Document):
	def validate(self):
		self.validate_planned_time()
		self.validate_resolution()
		self.validate_unique_scope()

	def validate_planned_time(self):
		if self.planned_resolution_time and self.started_on:
			if get_datetime(self.planned_resolution_time) < get_datetime(self.started_on):
				frappe.throw(_("The planned resolution time cannot be before the problem started"))

	def validate_resolution(self):
		before = self.get_doc_before_save()
		if self.status == "Resolved":
			if not (self.resolution or "").strip():
				frappe.throw(_("Describe the resolution before marking the problem resolved"))
			if not self.resolved_on:
				self.resolved_on = now_datetime()
		elif before and before.status == "Resolved":
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


def get_active_problems_for(client_company: str | None, service_center: str | None) -> list[dict]:
	"""Active problems that affect a company or a service center (or everyone, when no scope is set)."""
	problem = frappe.qb.DocType("Global Problem")
	centers = frappe.qb.DocType("Global Problem Service Center")
	companies = frappe.qb.DocType("Global Problem Client Company")
	affected_by_center = (
		frappe.qb.from_(centers)
		.select(centers.parent)
		.where(centers.service_center == (service_center or ""))
	)
	affected_by_company = (
		frappe.qb.from_(companies)
		.select(companies.parent)
		.where(companies.client_company == (client_company or ""))
	)
	scoped_center = frappe.qb.from_(centers).select(centers.parent)
	scoped_company = frappe.qb.from_(companies).select(companies.parent)
	return (
		frappe.qb.from_(problem)
		.select(problem.name, problem.title, problem.planned_resolution_time, problem.started_on)
		.where(problem.status == "Active")
		.where(
			problem.name.isin(affected_by_center)
			| problem.name.isin(affected_by_company)
			| (problem.name.notin(scoped_center) & problem.name.notin(scoped_company))
		)
		.orderby(problem.started_on, order=frappe.qb.desc)
		.run(as_dict=True)
	)
