"""Telling the clients of a global problem: the open incidents linked to it, their clients' addresses once
each by the language of their e-mails, one bulk e-mail rendered once per language (Frappe's Email Queue with
many recipients), and the planned-time notice built on them."""

import frappe
from frappe import _
from frappe.utils import get_datetime

from xnet_helpdesk.language import speaking
from xnet_helpdesk.outgoing.mail_templates import DEFAULT_LANGUAGE

# recipients of one bulk Email Queue row (Frappe sends each their own copy)
BULK_RECIPIENTS = 1000


def open_linked_incidents(
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
	rows = open_linked_incidents(
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
