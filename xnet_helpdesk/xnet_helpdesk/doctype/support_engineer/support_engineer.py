import frappe
from frappe import _
from frappe.model.document import Document


class SupportEngineer(Document):
	def validate(self):
		self.validate_capacity()
		self.validate_user()
		self.validate_unique_skills()

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

	def grant_engineer_role(self):
		"""The engineer record is what makes a user first or second line: give the role that lets them work."""
		if not self.is_active:
			return
		role = "Helpdesk Engineer" if self.support_line == "Second Line" else "Helpdesk Operator"
		if role not in frappe.get_roles(self.user):
			user = frappe.get_doc("User", self.user)
			# system-owned side record: a center manager may lack rights on User; the role follows from this doc
			user.flags.ignore_permissions = True
			user.add_roles(role)
