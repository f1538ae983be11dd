import frappe
from frappe import _
from frappe.model.document import Document

from xnet_helpdesk.consts import CENTER_MANAGER, ENGINEER, MANAGER, OPERATOR, SYSTEM_MANAGER

MANAGER_ROLES = (CENTER_MANAGER, MANAGER, SYSTEM_MANAGER)
# kept by the server (assignment rule and incident controller), never by a form or REST call
SERVER_FIELDS = ("open_load", "last_assigned_on")


class SupportEngineer(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from xnet_helpdesk.xnet_helpdesk.doctype.support_engineer_skill.support_engineer_skill import (
			SupportEngineerSkill,
		)

		availability: DF.Literal["Available", "Busy", "Away", "Off Duty"]
		capacity: DF.Int
		full_name: DF.Data | None
		is_active: DF.Check
		last_assigned_on: DF.Datetime | None
		open_load: DF.Int
		phone_extension: DF.Data | None
		rating_average: DF.Float
		rating_count: DF.Int
		service_center: DF.Link
		skills: DF.TableMultiSelect[SupportEngineerSkill]
		support_line: DF.Literal["Second Line", "First Line"]
		user: DF.Link

	# end: auto-generated types
	def validate(self):
		self.protect_server_fields()
		self.validate_capacity()
		self.validate_user()
		self.validate_unique_skills()

	def protect_server_fields(self):
		"""The stored counters win, read under the row lock an assignment takes too: a form saved while an
		incident is being assigned to this engineer cannot write back a stale open load."""
		current = {}
		if not self.is_new():
			engineer = frappe.qb.DocType("Support Engineer")
			rows = (
				frappe.qb.from_(engineer)
				.select(*[engineer[f] for f in SERVER_FIELDS])
				.where(engineer.name == self.name)
				.for_update()
				.run(as_dict=True)
			)
			current = rows[0] if rows else {}
		for fieldname in SERVER_FIELDS:
			self.set(fieldname, current.get(fieldname))
		self.open_load = self.open_load or 0

	def validate_capacity(self):
		if self.capacity < 1:
			frappe.throw(_("Capacity must be at least 1 open incident"))

	def validate_user(self):
		user_type, enabled = frappe.db.get_value("User", self.user, ["user_type", "enabled"]) or (None, 0)
		if user_type != "System User":
			frappe.throw(
				_("{0} is not a Desk user: engineers work in the Desk").format(frappe.bold(self.user))
			)
		if not enabled and self.is_active:
			frappe.throw(_("User {0} is disabled").format(frappe.bold(self.user)))

	def validate_unique_skills(self):
		seen = set()
		for row in self.skills:
			if row.category in seen:
				frappe.throw(_("Skill {0} is listed twice").format(frappe.bold(row.category)))
			seen.add(row.category)

	def on_update(self):
		self.grant_engineer_role()
		self.retry_waiting_incidents()

	def retry_waiting_incidents(self):
		"""Availability, capacity or activity changed for the better: queued incidents get another go."""
		before = self.get_doc_before_save()
		if not self.is_active or self.availability != "Available":
			return
		if (
			not before
			or before.availability != "Available"
			or not before.is_active
			or (self.capacity or 0) > (before.capacity or 0)
		):
			from xnet_helpdesk.assignment.jobs import enqueue_retry

			enqueue_retry()

	@frappe.whitelist()
	def go_off_duty(self):
		"""Manager action: the engineer leaves, their open incidents go to the nearest free engineers."""
		from xnet_helpdesk.assignment.jobs import reassign_open_incidents

		if not set(MANAGER_ROLES) & set(frappe.get_roles()):
			frappe.throw(
				_("Only a service center manager can send an engineer off duty"), frappe.PermissionError
			)
		self.check_permission("write")
		if self.availability != "Off Duty":
			self.availability = "Off Duty"
			self.save()
		result = reassign_open_incidents(self.name)
		frappe.msgprint(
			_("Reassigned: {0}. Kept (nobody free): {1}.").format(
				", ".join(result["reassigned"]) or "—", ", ".join(result["kept"]) or "—"
			),
			title=_("Off Duty"),
		)
		return result

	def grant_engineer_role(self):
		"""The engineer record is what makes a user first or second line: give the role that lets them work."""
		if not self.is_active:
			return
		role = ENGINEER if self.support_line == "Second Line" else OPERATOR
		if role not in frappe.get_roles(self.user):
			user = frappe.get_doc("User", self.user)
			# system-owned side record: a center manager may lack rights on User; the role follows from this doc
			user.flags.ignore_permissions = True
			user.add_roles(role)
