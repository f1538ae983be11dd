"""A global problem's updates: what the manager learned (text, optionally a new planned time), e-mailed once
to every client with an open linked incident who has not opted out, and shown on their incidents' portal
pages and the public outage board.

An update is rendered once per language and queued as Frappe's bulk e-mail (one Email Queue row per
language and thousand recipients, each recipient sent their own copy with their own opt-out link). The
update's notified_on is set in the same transaction as its e-mails: a second run of the job finds it set and
sends nothing. The opt-out marks the client's incidents linked to that problem (Incident.no_outage_updates):
they still hear when the problem is resolved.
"""

import frappe
from frappe import _
from frappe.utils import now_datetime

from xnet_helpdesk.language import speaking

OPT_OUT_METHOD = "/api/method/xnet_helpdesk.outages.updates.stop_updates"


def apply_planned_time(update) -> None:
	"""The problem takes the update's planned time: its open incidents (their portal pages, the registration
	e-mail, the phone card) show it at once. The update's own e-mail tells it, so no second notice."""
	if not update.new_planned_resolution_time:
		return
	problem = frappe.get_doc("Global Problem", update.global_problem)
	problem.planned_resolution_time = update.new_planned_resolution_time
	problem.flags.announced_by_update = True
	# whoever may post an update on the problem may set its planned time (same roles); the update is checked
	problem.save(ignore_permissions=True)


def queue_notice(update: str) -> None:
	frappe.enqueue(
		"xnet_helpdesk.outages.updates.notify_clients",
		queue="long",
		timeout=3600,
		job_id=f"xnet-global-problem-update-{update}",
		deduplicate=True,
		enqueue_after_commit=True,
		update=update,
	)


def notify_clients(update: str) -> int:
	"""E-mail the update once to each client address concerned. Returns how many addresses were e-mailed."""
	from xnet_helpdesk.outages.notices import addresses_by_language, queue_to_many

	row = frappe.db.get_value(
		"Global Problem Update",
		update,
		["name", "global_problem", "message", "new_planned_resolution_time", "notified_on"],
		as_dict=True,
		for_update=True,
	)
	if not row or row.notified_on:
		return 0
	problem = frappe.get_doc("Global Problem", row.global_problem)
	sent = 0
	if problem.status == "Active":
		for language, addresses in addresses_by_language(problem.name, updates_only=True).items():
			with speaking(language):
				subject, message = update_mail(problem, row)
				queue_to_many(
					addresses,
					subject,
					message,
					"Global Problem",
					problem.name,
					add_unsubscribe_link=1,
					unsubscribe_method=OPT_OUT_METHOD,
					unsubscribe_message=_("Stop updates about this problem"),
				)
			sent += len(addresses)
	frappe.db.set_value(
		"Global Problem Update",
		update,
		{"notified_on": now_datetime(), "notified_clients": sent},
		update_modified=False,
	)
	return sent


def update_mail(problem, update) -> tuple[str, str]:
	from frappe.utils import escape_html, format_datetime

	parts = [
		"<p>{}</p>".format(_("News about the problem {0}:").format(frappe.bold(escape_html(problem.title)))),
		'<blockquote style="border-left:3px solid #1f5fa8;margin:8px 0;padding:4px 12px">{}</blockquote>'.format(
			escape_html(update.message).replace("\n", "<br>")
		),
	]
	if problem.planned_resolution_time:
		parts.append(
			"<p>{}</p>".format(
				_("Planned resolution time: {0}").format(
					frappe.bold(format_datetime(problem.planned_resolution_time))
				)
			)
		)
	return _("Update on {0}").format(problem.title), "".join(parts)


def updates_of(problem: str, limit: int | None = None) -> list[dict]:
	"""The problem's updates, newest first (what the portal shows)."""
	return frappe.get_all(
		"Global Problem Update",
		filters={"global_problem": problem},
		fields=["message", "new_planned_resolution_time", "posted_on"],
		order_by="posted_on desc",
		limit=limit,
	)


def opt_out(email: str, problem: str) -> int:
	"""The client's incidents linked to the problem get no more of its updates. Returns how many."""
	incident = frappe.qb.DocType("Incident")
	names = (
		frappe.qb.from_(incident)
		.select(incident.name)
		.where(incident.global_problem == problem)
		.where(incident.contact_email == (email or "").strip().lower())
		.run(pluck=True)
	)
	if names:
		frappe.qb.update(incident).set(incident.no_outage_updates, 1).where(incident.name.isin(names)).run()
	return len(names)


@frappe.whitelist(allow_guest=True, methods=["GET"])
def stop_updates(email: str, doctype: str, name: str):
	"""The opt-out link of an update e-mail (signed by Frappe for that address and problem)."""
	from frappe.utils.verified_command import verify_request

	if not verify_request():
		return
	if doctype != "Global Problem" or not frappe.db.exists("Global Problem", name):
		frappe.respond_as_web_page(_("Invalid Link"), _("This link is not valid or has expired."))
		return
	opt_out(email, name)
	# a GET is not committed by Frappe unless asked: the opt-out must be kept
	frappe.local.flags.commit = True
	frappe.respond_as_web_page(
		_("No more updates"),
		_("You will get no more updates about {0}. You will still hear from us when it is resolved.").format(
			frappe.bold(frappe.db.get_value("Global Problem", name, "title"))
		),
		indicator_color="green",
	)
