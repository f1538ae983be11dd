import frappe
from frappe import _
from frappe.model import table_fields
from frappe.model.document import Document
from frappe.utils import cast, now_datetime, strip_html

from xnet_helpdesk.assignment import decision, jobs, load, todo_sync
from xnet_helpdesk.incident_flow import lifecycle
from xnet_helpdesk.incident_flow.contact_details import InvalidPhone, normalize_email, normalize_phone
from xnet_helpdesk.incident_flow.contacts import contact_with_company
from xnet_helpdesk.incident_flow.field_values import WrongType, single_value
from xnet_helpdesk.incident_flow.workflow_map import status_for_state, workflow_state_for
from xnet_helpdesk.intake.text import clean_text
from xnet_helpdesk.outgoing import outbox
from xnet_helpdesk.sla import service as sla

# fields a closed or cancelled incident keeps as they are
FROZEN_WHEN_FINAL = (
	"subject",
	"description",
	"channel",
	"priority",
	"category",
	"client_company",
	"contact",
	"contact_phone",
	"contact_email",
	"service_center",
	"engineer",
	"global_problem",
	"resolution_details",
)


class Incident(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		accepted_on: DF.Datetime | None
		accessories_received: DF.SmallText | None
		agreement_status: DF.Literal["", "On Track", "At Risk", "Breached", "Paused", "Met"]
		answers_go_to: DF.Data | None
		assigned_on: DF.Datetime | None
		assignment_pending_since: DF.Datetime | None
		assignment_queued_on: DF.Datetime | None
		call: DF.Link | None
		cancellation_reason: DF.SmallText | None
		cancelled_on: DF.Datetime | None
		category: DF.Link | None
		center_manager: DF.Link | None
		channel: DF.Literal["Phone", "E-mail", "Walk-in", "Portal", "API"]
		client_company: DF.Link | None
		client_info_request: DF.SmallText | None
		client_language: DF.Link | None
		closed_on: DF.Datetime | None
		contact: DF.Link | None
		contact_email: DF.Data | None
		contact_name: DF.Data | None
		contact_phone: DF.Data | None
		description: DF.TextEditor | None
		device_condition: DF.SmallText | None
		device_model: DF.Data | None
		device_type: DF.Literal[
			"",
			"Laptop",
			"Desktop Computer",
			"Monitor",
			"Printer",
			"Multifunction Printer",
			"Scanner",
			"Phone",
			"Network Equipment",
			"UPS",
			"Other",
		]
		engineer: DF.Link | None
		engineer_name: DF.Data | None
		global_problem: DF.Link | None
		last_reopen_reason: DF.SmallText | None
		naming_series: DF.Literal["INC-.YYYY.-.#####"]
		needs_triage: DF.Check
		no_outage_updates: DF.Check
		no_reply_possible: DF.Check
		planned_resolution_time: DF.Datetime | None
		previous_incident: DF.Link | None
		previous_status: DF.Data | None
		priority: DF.Literal["Low", "Medium", "High", "Urgent"]
		registered_on: DF.Datetime | None
		reopen_count: DF.Int
		reopen_reason: DF.SmallText | None
		reopened_on: DF.Datetime | None
		resolution_by: DF.Datetime | None
		resolution_details: DF.TextEditor | None
		resolved_by_global_problem: DF.Check
		resolved_on: DF.Datetime | None
		response_by: DF.Datetime | None
		sender_as_written: DF.Data | None
		serial_number: DF.Data | None
		service_center: DF.Link | None
		sla_next_check_on: DF.Datetime | None
		sla_paused_minutes: DF.Float
		sla_paused_since: DF.Datetime | None
		sla_policy: DF.Link | None
		status: DF.Literal[
			"Registered",
			"Assigned",
			"In Progress",
			"Awaiting Client",
			"Resolved",
			"Reopened",
			"Closed",
			"Cancelled",
		]
		subject: DF.Data
		workflow_state: DF.Link | None

	# end: auto-generated types
	def _validate_links(self):
		"""Frappe's first step of insert and save that reads the values: each field holds a single value
		before a link check, a rule or SQL sees it (a JSON body may send a list or an object)."""
		self.refuse_wrong_types()
		super()._validate_links()

	def refuse_wrong_types(self):
		fields = [(field.fieldname, field.fieldtype, field.label) for field in self.meta.fields]
		for fieldname, fieldtype, label in [*fields, ("idx", "Int", None), ("docstatus", "Int", None)]:
			value = self.get(fieldname)
			try:
				stored = single_value(fieldtype, value)
			except WrongType as wrong:
				frappe.throw(
					_("{0}: a text or a number is expected, not {1}.").format(
						_(label or fieldname), _(wrong.kind)
					),
					frappe.ValidationError,
				)
			if stored is not value:
				self.set(fieldname, stored)

	def validate(self):
		self.protect_server_fields()
		self.clean_subject()
		self.fill_from_contact()
		self.validate_contact_details()
		self.validate_client_company()
		self.set_service_center()
		self.validate_engineer()
		self.link_global_problem()
		self.sync_status_from_workflow()
		self.enforce_lifecycle()
		self.leave_assignment_queue()
		self.apply_sla()

	def on_update(self):
		self.update_engineer_load()
		self.follow_engineer_with_assignment()
		self.free_engineer_for_waiting_incidents()

	def run_notifications(self, method):
		"""Notifications are decided here and sent after the commit (see outgoing/outbox.py)."""
		outbox.decide(self, method)

	def on_trash(self):
		load.apply_load_change(self.engineer, lifecycle.is_open(self.status), None, False)
		# its unsent e-mails go with it
		frappe.db.delete(outbox.DOCTYPE, {"reference_doctype": "Incident", "reference_name": self.name})

	def after_delete(self):
		"""An incident's number is never given again: clients quote it, and its timeline (comments, e-mails)
		is removed by a background job after the delete. Frappe hands the last number of a series back
		when its document is deleted; take it again."""
		keep_number_taken(self.name)

	def on_change(self):
		"""When the assignment rule (run by Frappe after on_update) assigned or queued this incident, this
		in-memory copy catches up with what it stored, so the caller sees the engineer and the new state."""
		pending = frappe.flags.get(decision.RELOAD_FLAG)
		if pending and self.name in pending:
			pending.discard(self.name)
			self.catch_up_with_assignment()
		deferred = frappe.flags.get(jobs.PENDING_FLAG)
		if deferred and self.name in deferred:
			self.assignment_pending_since = deferred.pop(self.name)

	def catch_up_with_assignment(self):
		"""Reload what the assignment stored. Its own save notified what it changed (the engineer, the
		Assigned state): for this save's notifications those values are the starting point, not news."""
		in_memory = self.as_dict()
		self.reload()
		if self.flags.changed_from is None:
			self.flags.changed_from = {}
		for field in self.meta.fields:
			if field.fieldtype in table_fields:
				continue
			stored = self.get(field.fieldname)
			if cast(field.fieldtype, stored) != cast(field.fieldtype, in_memory.get(field.fieldname)):
				self.flags.changed_from[field.fieldname] = stored

	def clean_subject(self):
		"""The subject is plain text wherever it is shown or sent (lists, e-mail subjects and bodies, the
		portal): markup from any path (REST, import, mail) is dropped, escaped markup included."""
		if self.subject and self.has_value_changed("subject"):
			self.subject = clean_text(self.subject)
			if not self.subject:
				frappe.throw(_("Subject is empty once its markup is removed: describe the problem in words."))

	def protect_server_fields(self):
		"""Timestamps and counters are the server's: whatever a client sends for them is ignored."""
		before = self.get_doc_before_save()
		for fieldname in (
			*lifecycle.SERVER_FIELDS,
			*sla.SLA_FIELDS,
			"assignment_queued_on",
			"assignment_pending_since",
			"resolved_by_global_problem",
			"previous_status",
		):
			self.set(fieldname, before.get(fieldname) if before else None)
		if not self.reopen_count:
			self.reopen_count = 0

	def fill_from_contact(self):
		if not self.contact:
			return
		contact = contact_with_company(self.contact)
		if not contact:
			frappe.throw(
				_("Contact {0} does not exist").format(frappe.bold(self.contact)), frappe.LinkValidationError
			)
		if contact.disabled and (self.is_new() or self.has_value_changed("contact")):
			# someone who left the client company (its directory disabled them) keeps their old
			# incidents, but no new one is registered in their name
			frappe.throw(
				_(
					"Contact {0} is disabled: they are no longer with the client company. Register the caller "
					"as an unknown caller (name, phone and e-mail) or ask an administrator to enable the contact."
				).format(frappe.bold(contact.full_name or self.contact)),
				frappe.ValidationError,
				title=_("Contact disabled"),
			)
		self.contact_name = self.contact_name or contact.full_name
		self.contact_email = self.contact_email or contact.email_id
		self.contact_phone = self.contact_phone or contact.mobile_no or contact.phone
		self.client_language = self.client_language or contact.preferred_language
		company = contact.company
		if company and not self.client_company:
			self.client_company = company
		elif company and self.client_company != company:
			frappe.throw(
				_("Contact {0} works for {1}, not for {2}").format(
					frappe.bold(contact.full_name or self.contact),
					frappe.bold(company),
					frappe.bold(self.client_company),
				)
			)

	def validate_contact_details(self):
		"""A caller we do not know leaves both a phone number and an e-mail address (a sender we do not
		know has already given the address: the operator asks for the rest)."""
		if not self.contact:
			if self.channel == "E-mail":
				# a malformed sender address is kept as written (sender_as_written) for the operator
				required = () if self.sender_as_written else ("contact_email",)
			else:
				required = ("contact_name", "contact_phone", "contact_email")
			missing = [_(self.meta.get_label(f)) for f in required if not self.get(f)]
			if missing:
				frappe.throw(
					_("The caller is not a known contact: fill in {0}").format(", ".join(missing)),
					frappe.MandatoryError,
					title=_("Contact details missing"),
				)
		if self.contact_phone:
			try:
				self.contact_phone = normalize_phone(self.contact_phone)
			except InvalidPhone:
				frappe.throw(
					_("{0} is not a valid phone number").format(frappe.bold(self.contact_phone)),
					frappe.ValidationError,
					title=_("Invalid phone"),
				)
		if self.contact_email:
			email = normalize_email(self.contact_email)
			if not email:
				frappe.throw(
					_("{0} is not a valid e-mail address").format(frappe.bold(self.contact_email)),
					frappe.InvalidEmailAddressError,
					title=_("Invalid e-mail"),
				)
			self.contact_email = email

	def validate_client_company(self):
		if not self.client_company or not (self.is_new() or self.has_value_changed("client_company")):
			return
		# cached: Frappe clears a document's cache whenever it is saved or set
		if not frappe.get_cached_value("Client Company", self.client_company, "is_active"):
			frappe.throw(_("Client company {0} is not active").format(frappe.bold(self.client_company)))

	def set_service_center(self):
		if self.channel == "Walk-in":
			self.set_walk_in_center()
			return
		if not self.service_center and self.client_company:
			self.service_center = frappe.get_cached_value(
				"Client Company", self.client_company, "service_center"
			)
		if not self.service_center:
			self.service_center = frappe.db.get_value(
				"Support Engineer", {"user": frappe.session.user, "is_active": 1}, "service_center"
			)
		if not self.service_center:
			self.service_center = frappe.db.get_single_value("Helpdesk Settings", "default_service_center")
		recognised = self.client_company or (
			self.contact and not self.is_new() and self.has_value_changed("contact")
		)
		if recognised and not self.flags.get("sender_unverified"):
			# the client company is known, or the operator chose the contact; the company-less Contact
			# Frappe's "create contact" step made for an unknown sender recognises nobody, and a repaired
			# malformed sender address (the intake's sender_unverified) is for the operator to confirm
			self.needs_triage = 0
		if not self.service_center and not self.needs_triage:
			# an unrecognised e-mail waits for the operator (who sees every center) rather than being lost
			frappe.throw(
				_("Choose the service center that handles this incident"),
				frappe.MandatoryError,
				title=_("Service center missing"),
			)

	def set_walk_in_center(self):
		"""A walk-in is registered where the client stands: the operator's own service center."""
		if not self.service_center:
			self.service_center = frappe.db.get_value(
				"Support Engineer", {"user": frappe.session.user, "is_active": 1}, "service_center"
			)
		if not self.service_center:
			frappe.throw(
				_("A walk-in is registered at a service center: choose the center the client came to"),
				frappe.MandatoryError,
				title=_("Service center missing"),
			)
		if not self.device_type:
			frappe.throw(
				_("Describe the equipment the client brought: the device type is required for a walk-in"),
				frappe.MandatoryError,
				title=_("Equipment"),
			)

	def validate_engineer(self):
		if not self.engineer or not self.has_value_changed("engineer"):
			return
		engineer = frappe.db.get_value(
			"Support Engineer", self.engineer, ["is_active", "full_name"], as_dict=True
		)
		if not engineer or not engineer.is_active:
			frappe.throw(_("Engineer {0} is not active").format(frappe.bold(self.engineer)))

	def link_global_problem(self):
		if not self.global_problem:
			self.planned_resolution_time = None
			return
		problem = frappe.db.get_value(
			"Global Problem", self.global_problem, ["status", "planned_resolution_time"], as_dict=True
		)
		if self.has_value_changed("global_problem") and (not problem or problem.status != "Active"):
			frappe.throw(
				_("Global problem {0} is not active").format(frappe.bold(self.global_problem)),
				title=_("Global problem"),
			)
		self.planned_resolution_time = problem.planned_resolution_time if problem else None

	def sync_status_from_workflow(self):
		"""The admin-editable workflow state drives the canonical status the rest of the app reads.

		A status changed directly (a kanban drag, a REST call) becomes the matching workflow state, so the
		workflow's transitions and roles decide whether the move is allowed.
		"""
		before = self.get_doc_before_save()
		if before and self.status != before.status and self.workflow_state == before.workflow_state:
			self.workflow_state = (
				workflow_state_for(before.workflow_state, self.status) or self.workflow_state
			)
		if self.workflow_state:
			self.status = status_for_state(self.workflow_state, fallback=self.status)

	def enforce_lifecycle(self):
		before = self.get_doc_before_save()
		old_status = before.status if before else None
		if old_status is None and self.status != lifecycle.REGISTERED:
			frappe.throw(
				_("A new incident starts as {0}").format(frappe.bold(_(lifecycle.REGISTERED))),
				frappe.ValidationError,
			)
		if old_status in lifecycle.FINAL_STATUSES:
			changed = [f for f in FROZEN_WHEN_FINAL if before.get(f) != self.get(f)]
			if changed:
				frappe.throw(
					_("Incident is {0}: {1} can no longer be changed").format(
						_(old_status), ", ".join(_(self.meta.get_label(f)) for f in changed)
					)
				)
		violations = lifecycle.check_transition(
			old_status,
			self.status,
			has_engineer=bool(self.engineer),
			has_resolution=bool(strip_html(self.resolution_details or "").strip()),
			reopen_reason_given=bool((self.reopen_reason or "").strip()),
			cancellation_reason_given=bool((self.cancellation_reason or "").strip()),
			info_request_given=bool((self.client_info_request or "").strip()),
		)
		if violations:
			frappe.throw(
				"<br>".join(_(v.message).format(*[_(a) for a in v.args]) for v in violations),
				frappe.ValidationError,
				title=_("Cannot change the status"),
			)
		now = now_datetime()
		current = {f: self.get(f) for f in lifecycle.SERVER_FIELDS}
		for fieldname, value in lifecycle.stamps_for(old_status, self.status, current).items():
			self.set(fieldname, now if value is True else value)
		self.record_reopening(old_status)
		if old_status != self.status:
			# notifications read it in their conditions, e.g. "taken into work" only after Assigned
			self.previous_status = old_status

	def leave_assignment_queue(self):
		if self.engineer:
			self.assignment_queued_on = None

	def apply_sla(self):
		# who the SLA Alert notification goes to (the center is chosen in validate, after link fetching)
		self.center_manager = self.service_center and frappe.get_cached_value(
			"Service Center", self.service_center, "manager"
		)
		sla.apply_to_incident(self)

	def update_engineer_load(self):
		before = self.get_doc_before_save()
		load.apply_load_change(
			before.engineer if before else None,
			lifecycle.is_open(before.status) if before else False,
			self.engineer,
			lifecycle.is_open(self.status),
		)

	def follow_engineer_with_assignment(self):
		"""An engineer set by hand gets the ToDo too (the rule's own assignment already made it)."""
		before = self.get_doc_before_save()
		todo_sync.follow_engineer(self, before.engineer if before else None)

	def free_engineer_for_waiting_incidents(self):
		"""An engineer who finished an incident may be free for one that waits in a queue."""
		before = self.get_doc_before_save()
		if (
			before
			and before.engineer
			and lifecycle.is_open(before.status)
			and not lifecycle.is_open(self.status)
		):
			jobs.enqueue_retry()

	def record_reopening(self, old_status):
		"""The reason typed for a reopening becomes the last reopen reason; a pending one lapses otherwise."""
		if old_status != self.status and self.status == lifecycle.REOPENED:
			self.reopen_count = (self.reopen_count or 0) + 1
			self.last_reopen_reason = self.reopen_reason.strip()
			self.reopen_reason = None
		elif self.status != lifecycle.RESOLVED:
			self.reopen_reason = None


def keep_number_taken(name: str) -> None:
	prefix = name.rstrip("0123456789")
	number = name[len(prefix) :]
	if prefix and number:
		frappe.db.sql(
			"update `tabSeries` set current = greatest(current, %s) where name = %s", (int(number), prefix)
		)
