"""Frappe's Assignment Rule with one more rule to pick: "Nearest Free Engineer" (for Incident).

Round Robin, Load Balancing and Based on Field stay Frappe's own (super()); Frappe's apply() still decides
when a rule runs (its conditions, priority, days), and assign_to.add still creates the ToDo and _assign.
With Helpdesk Settings "Choose the Engineer in the Background" (the default) a registration only marks the
incident and queues jobs.assign_pending, which runs Frappe's apply() again after the commit and decides.
"""

import frappe
from frappe.automation.doctype.assignment_rule.assignment_rule import AssignmentRule
from frappe.desk.form import assign_to

from xnet_helpdesk.assignment import decision, jobs


class XnetAssignmentRule(AssignmentRule):
	_decision = None
	_exclude = frozenset()

	def is_nearest_free(self) -> bool:
		return self.rule == decision.NEAREST_FREE and self.document_type == "Incident"

	def get_user(self, doc):
		if not self.is_nearest_free():
			return super().get_user(doc)
		users = [row.user for row in self.users]
		self._decision = decision.decide(users, doc, exclude=self._exclude)
		return self._decision.user

	def do_assignment(self, doc):
		"""Frappe's do_assignment, except that it does not write `last_user` back to the rule: fairness comes
		from each engineer's last_assigned_on, and a write to this shared row would serialise every
		registration on its lock and clear the rules' cache each time."""
		if not self.is_nearest_free():
			return super().do_assignment(doc)
		if jobs.assigns_in_background():
			# the rule applies (Frappe tries no lower-priority rule); the engineer is chosen after the commit
			jobs.defer_assignment(doc.get("name"))
			return True
		assign_to.clear(doc.get("doctype"), doc.get("name"), ignore_permissions=True)
		# this document is cached and shared within the process: the decision lives only for this call
		self._decision = None
		try:
			user = self.get_user(doc)
			if not user:
				decision.queue_unassigned(doc, self._decision)
				return False
			assign_to.add(
				dict(
					assign_to=[user],
					doctype=doc.get("doctype"),
					name=doc.get("name"),
					description=frappe.render_template(self.description, doc),
					assignment_rule=self.name,
					notify=True,
					date=doc.get(self.due_date_based_on) if self.due_date_based_on else None,
				),
				ignore_permissions=True,
			)
			decision.complete_assignment(doc.get("name"), self._decision, self.name)
			return True
		finally:
			self._decision = None

	def reassign(self, doc, exclude=()):
		"""Run the rule again for an incident whose engineer is leaving (Off Duty), skipping `exclude`."""
		self._exclude = frozenset(exclude)
		try:
			with jobs.deciding_now():
				return self.do_assignment(doc)
		finally:
			self._exclude = frozenset()
