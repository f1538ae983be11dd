"""A resolved global problem resolves its linked open incidents: queued after the problem's save, run in
chunks by outages/resolution.py (set-based), resumable after a crash (the hourly sweep finds what a lost job
left open), each client told once."""

import frappe
from frappe import _


def queue_resolution(problem: str) -> None:
	frappe.enqueue(
		"xnet_helpdesk.outages.fanout.resolve_linked_incidents",
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
	is e-mailed twice. An incident that breaks a rule (no engineer to resolve it) is left open and reported
	on the problem (report_left_open); the hourly resume resolves it once the rule holds."""
	from xnet_helpdesk.outages import resolution

	doc = frappe.get_doc("Global Problem", problem)
	result = {"resolved": [], "failed": [], "reasons": {}}
	if doc.status != "Resolved":
		return result
	fallback_engineer = frappe.db.get_value(
		"Support Engineer", {"user": doc.modified_by, "is_active": 1}, "name"
	)
	size = chunk or resolution.CHUNK
	after = ""
	while True:
		names = next_chunk(problem, after, size)
		if not names:
			report_left_open(doc, result["reasons"])
			if commit:
				frappe.db.commit()
			return result
		after = names[-1]
		frappe.db.savepoint("xnet_problem_resolution")
		try:
			done = resolution.resolve_chunk(names, doc, fallback_engineer)
		except Exception:
			frappe.db.rollback(save_point="xnet_problem_resolution")
			raise
		result["resolved"].extend(done["resolved"])
		result["failed"].extend(done["failed"])
		result["reasons"].update(done["reasons"])
		if commit:
			frappe.db.commit()


LEFT_OPEN_KEY = "xnet_problem_left_open"


def report_left_open(problem, reasons: dict[str, str]) -> None:
	"""The linked incidents a resolution left open, and why, on the problem's timeline and in the bell of
	whoever resolved it and of the managers of those incidents' centers: they assign an engineer, and the
	hourly resume resolves the incident and tells its client. Said again only when the list changes (the
	hourly resume meets the same ones until then)."""
	from frappe.desk.doctype.notification_log.notification_log import make_notification_logs

	from xnet_helpdesk.language import site_language, speaking, user_language

	# what was said about this resolution of the problem (a problem reopened and resolved again is news)
	said = f"{problem.resolved_on}|{','.join(sorted(reasons))}"
	if (frappe.cache.hget(LEFT_OPEN_KEY, problem.name) or f"{problem.resolved_on}|") == said:
		return
	if not reasons:  # the ones reported before are resolved now: nothing to say
		frappe.cache.hset(LEFT_OPEN_KEY, problem.name, said)
		return

	incidents = frappe.get_all(
		"Incident", filters={"name": ("in", list(reasons))}, fields=["name", "engineer", "service_center"]
	)
	without_engineer = {row.name for row in incidents if not row.engineer}

	def text() -> tuple[str, str]:
		subject = _("Global problem {0} is resolved; linked incidents still open: {1}").format(
			problem.name, len(reasons)
		)
		# the usual reason in the reader's language; another rule's message as the job met it
		rows = "".join(
			"<li>{}: {}</li>".format(
				frappe.utils.escape_html(name),
				_("no engineer to resolve it") if name in without_engineer else frappe.utils.escape_html(why),
			)
			for name, why in sorted(reasons.items())
		)
		body = "<p>{}</p><ul>{}</ul><p>{}</p>".format(
			subject,
			rows,
			_(
				"Assign an engineer to each of them (or resolve it by hand): within the hour the problem's "
				"resolution resolves it and tells its client."
			),
		)
		return subject, body

	with speaking(site_language()):
		problem.add_comment("Info", text()[1])
	centers = {row.service_center for row in incidents if row.service_center}
	managers = [frappe.get_cached_value("Service Center", c, "manager") for c in centers]
	for user in sorted({u for u in [problem.modified_by, *managers] if u and u != "Guest"}):
		with speaking(user_language(user)):
			subject, body = text()
			make_notification_logs(
				{
					"type": "Alert",
					"document_type": "Global Problem",
					"document_name": problem.name,
					"subject": subject,
					"email_content": body,
				},
				[user],
			)
	frappe.cache.hset(LEFT_OPEN_KEY, problem.name, said)


def next_chunk(problem: str, after: str, size: int) -> list[str]:
	"""The next open linked incidents by number, after the last chunk's (what failed there is passed by).
	Read by the problem's index in number order: each chunk reads only its own rows, so the cost per
	incident does not grow with the outage (reading every open one, or sorting them, for each chunk did)."""
	from xnet_helpdesk.incident_flow.lifecycle import OPEN_STATUSES

	incident = frappe.qb.DocType("Incident")
	return (
		frappe.qb.from_(incident)
		.select(incident.name)
		.where(incident.global_problem == problem)
		.where(incident.name > after)
		.where(incident.status.isin(list(OPEN_STATUSES)))
		.orderby(incident.name)
		.limit(size)
		.run(pluck=True)
	)


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
	path = transitions_to_resolved(incident.workflow_state)
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


def transitions_to_resolved(state: str) -> list:
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
