import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import get_datetime, now_datetime

from xnet_helpdesk.language import speaking
from xnet_helpdesk.outgoing.mail_templates import DEFAULT_LANGUAGE

# recipients of one bulk Email Queue row (Frappe sends each their own copy)
BULK_RECIPIENTS = 1000


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
			"xnet_helpdesk.xnet_helpdesk.doctype.global_problem.global_problem.notify_planned_time_change",
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


# --- fan-out to the clients of linked incidents (background jobs) -------------------------------------------


def _open_linked_incidents(
	problem: str, fields: list[str], limit: int | None = None, exclude: list[str] | None = None
) -> list[dict]:
	from xnet_helpdesk.incident_flow.lifecycle import OPEN_STATUSES

	incident = frappe.qb.DocType("Incident")
	query = (
		frappe.qb.from_(incident)
		.select(*[incident[f] for f in fields])
		.where(incident.global_problem == problem)
		.where(incident.status.isin(list(OPEN_STATUSES)))
		.orderby(incident.registered_on)
	)
	if exclude:
		query = query.where(incident.name.notin(exclude))
	if limit:
		query = query.limit(limit)
	return query.run(as_dict=True)


def notify_planned_time_change(problem: str, planned_resolution_time: str) -> int:
	"""One e-mail per client address with open incidents linked to the problem. A job overtaken by a later
	change does nothing: the later job tells the newer time. Returns the number of addresses e-mailed."""
	doc = frappe.get_doc("Global Problem", problem)
	if doc.status != "Active" or str(get_datetime(doc.planned_resolution_time)) != planned_resolution_time:
		return 0
	by_language = addresses_by_language(problem)
	when = frappe.utils.format_datetime(doc.planned_resolution_time)
	for language, addresses in by_language.items():
		# in the client's language (their incident's, Russian when none, as the incidents' own e-mails),
		# also from this background job
		with speaking(language):
			subject = _("New planned resolution time for {0}: {1}").format(doc.title, when)
			message = "<p>{}</p><p>{}</p>".format(
				_("The planned resolution time of the problem {0} is now {1}.").format(
					frappe.bold(doc.title), frappe.bold(when)
				),
				_("Your incidents linked to it show the new time on the support portal."),
			)
			queue_to_many(addresses, subject, message, "Global Problem", problem)
	return sum(len(addresses) for addresses in by_language.values())


def addresses_by_language(problem: str, updates_only: bool = False) -> dict[str, list[str]]:
	"""The client addresses with open incidents linked to the problem, each once, by the language of their
	e-mails (their first incident's, Russian when none). updates_only: without the clients who asked for no
	more updates about it (on any of their incidents)."""
	rows = _open_linked_incidents(
		problem, ["contact_email", "client_language", "no_outage_updates", "no_reply_possible"]
	)
	# a machine's address (No Reply Possible) is never e-mailed
	seen = {(row.contact_email or "").lower() for row in rows if row.no_reply_possible}
	seen |= {(row.contact_email or "").lower() for row in rows if updates_only and row.no_outage_updates}
	by_language = {}
	for row in rows:
		address = (row.contact_email or "").lower()
		if address and address not in seen:
			seen.add(address)
			by_language.setdefault(row.client_language or DEFAULT_LANGUAGE, []).append(address)
	return by_language


def queue_to_many(addresses: list[str], subject: str, message: str, doctype: str, name: str, **extra):
	"""One e-mail to many clients, rendered once: Frappe's Email Queue rows of up to BULK recipients, each
	recipient sent their own copy (Frappe's bulk sending; nobody sees another client's address)."""
	from frappe.email.doctype.email_queue.email_queue import QueueBuilder

	for batch in frappe.utils.create_batch(addresses, BULK_RECIPIENTS):
		builder = QueueBuilder(
			recipients=list(batch),
			subject=subject,
			message=message,
			reference_doctype=doctype,
			reference_name=name,
			**extra,
		)
		recipients = builder.final_recipients()
		data = recipients and builder.as_dict(include_recipients=False)
		if data:
			queue = frappe.new_doc("Email Queue")
			queue.update(data)
			queue.set_recipients(recipients)
			queue.insert(ignore_permissions=True)


def queue_resolution(problem: str) -> None:
	frappe.enqueue(
		"xnet_helpdesk.xnet_helpdesk.doctype.global_problem.global_problem.resolve_linked_incidents",
		queue="long",
		timeout=3600,
		job_id=f"xnet-global-problem-resolve-{problem}",
		deduplicate=True,
		enqueue_after_commit=True,
		problem=problem,
	)


def resolve_linked_incidents(problem: str, commit: bool = True, chunk: int | None = None) -> dict:
	"""Resolve every open incident linked to a resolved problem, with its resolution text, e-mailing each
	client once. Set-based, a chunk of incidents at a time (outages/resolution.py); each chunk's incidents,
	history and e-mails are committed together: after a crash, running it again finishes the rest and no one
	is e-mailed twice. An incident that breaks a rule (no engineer to resolve it) is left open and reported."""
	from xnet_helpdesk.outages import resolution

	doc = frappe.get_doc("Global Problem", problem)
	result = {"resolved": [], "failed": []}
	if doc.status != "Resolved":
		return result
	fallback_engineer = frappe.db.get_value(
		"Support Engineer", {"user": doc.modified_by, "is_active": 1}, "name"
	)
	size = chunk or resolution.CHUNK
	while True:
		names = [
			row.name for row in _open_linked_incidents(problem, ["name"]) if row.name not in result["failed"]
		][:size]
		if not names:
			return result
		frappe.db.savepoint("xnet_problem_resolution")
		try:
			done = resolution.resolve_chunk(names, doc, fallback_engineer)
		except Exception:
			frappe.db.rollback(save_point="xnet_problem_resolution")
			raise
		result["resolved"].extend(done["resolved"])
		result["failed"].extend(done["failed"])
		if commit:
			frappe.db.commit()


def resolved_mail(incident: str, problem) -> tuple[str, str]:
	"""The problem's own Resolved e-mail, for a client no Notification tells (subject, body)."""
	return (
		_("Incident {0} is resolved: {1}").format(incident, problem.title),
		"<p>{}</p>{}<p>{}</p>".format(
			_("Your incident {0} was caused by the problem {1}, which is now resolved.").format(
				frappe.bold(incident), frappe.bold(problem.title)
			),
			problem.resolution,
			_("If something still does not work, reply to this e-mail or call us with the incident number."),
		),
	)


def _resolve_one(name: str, problem, fallback_engineer: str | None) -> None:
	"""Walk one incident to Resolved through the workflow with full saves, as an engineer does by hand (the
	reference the set-based resolution is compared with). Its client hears of it once: through the standard
	notifications on Resolved (rating links included) when they send mail, else through our own e-mail; the
	intermediate steps (Assign, Take into Work) are no news and notify no one."""
	from xnet_helpdesk.assignment.decision import acting_as_system

	incident = frappe.get_doc("Incident", name)
	incident.engineer = incident.engineer or fallback_engineer
	if not incident.engineer:
		frappe.throw(_("Incident {0} has no engineer to resolve it").format(name))
	incident.resolution_details = problem.resolution
	path = _transitions_to_resolved(incident.workflow_state)
	client_mail_before = _client_mail_count(incident)
	with acting_as_system():
		incident.flags.notifications = [] if path else None
		incident.save(ignore_permissions=True)
		for step, transition in enumerate(path, 1):
			incident.workflow_state = transition.next_state
			incident.flags.notifications = None if step == len(path) else []
			incident.save(ignore_permissions=True)
			incident.add_comment("Workflow", _(transition.next_state))
	frappe.db.set_value("Incident", name, "resolved_by_global_problem", 1, update_modified=False)
	if (
		incident.contact_email
		and not incident.no_reply_possible  # a machine's address is never e-mailed
		and _client_mail_count(incident) == client_mail_before
	):
		subject, message = resolved_mail(name, problem)
		frappe.sendmail(
			recipients=[incident.contact_email],
			subject=subject,
			message=message,
			reference_doctype="Incident",
			reference_name=name,
		)


def _client_mail_count(incident) -> int:
	"""E-mails to the incident's client: queued, or decided and waiting in the outbox."""
	from xnet_helpdesk.outgoing.outbox import pending_notifications

	if not incident.contact_email:
		return 0
	pending = sum(
		any(
			row.receiver_by_document_field == "contact_email"
			for row in frappe.get_cached_doc("Notification", name).recipients
		)
		for name in pending_notifications("Incident", incident.name)
	)
	queue = frappe.qb.DocType("Email Queue")
	recipient = frappe.qb.DocType("Email Queue Recipient")
	from frappe.query_builder.functions import Count

	return (
		(
			frappe.qb.from_(queue)
			.join(recipient)
			.on(recipient.parent == queue.name)
			.select(Count("*"))
			.where(queue.reference_doctype == "Incident")
			.where(queue.reference_name == incident.name)
			.where(recipient.recipient == incident.contact_email)
			.run()[0][0]
		)
		+ pending
	)


def _transitions_to_resolved(state: str) -> list:
	"""The shortest chain of workflow transitions from `state` to a state meaning Resolved."""
	from collections import deque

	from frappe.model.workflow import get_workflow_name

	from xnet_helpdesk.incident_flow.workflow_map import status_for_state

	workflow = frappe.get_cached_doc("Workflow", get_workflow_name("Incident"))
	queue, seen = deque([(state, [])]), {state}
	while queue:
		current, path = queue.popleft()
		if status_for_state(current) == "Resolved":
			return path
		for t in workflow.transitions:
			if (
				t.state == current
				and t.next_state not in seen
				and status_for_state(t.next_state)
				not in (
					"Cancelled",
					"Closed",
				)
			):
				seen.add(t.next_state)
				queue.append((t.next_state, [*path, t]))
	frappe.throw(_("The Incident workflow has no way from {0} to Resolved").format(state))


def resume_unfinished_resolutions() -> None:
	"""Hourly: a resolution job that died midway is queued again (it finishes only what is left)."""
	from xnet_helpdesk.incident_flow.lifecycle import OPEN_STATUSES

	problem = frappe.qb.DocType("Global Problem")
	incident = frappe.qb.DocType("Incident")
	names = (
		frappe.qb.from_(problem)
		.join(incident)
		.on(incident.global_problem == problem.name)
		.select(problem.name)
		.distinct()
		.where(problem.status == "Resolved")
		.where(incident.status.isin(list(OPEN_STATUSES)))
		.run(pluck=True)
	)
	for name in names:
		queue_resolution(name)
