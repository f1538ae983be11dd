"""The on-site directory agents as the helpdesk sees them: each heartbeat stored on its Directory Source
(last seen, version, position, last batch, errors), and the scheduler's check that tells the Helpdesk
Managers when an agent has been silent longer than its source's Expected Heartbeat Interval, once per
silence."""

import frappe
from frappe import _
from frappe.utils import format_datetime, get_url_to_form, now_datetime

from xnet_helpdesk.consts import MANAGER
from xnet_helpdesk.directory import push_log
from xnet_helpdesk.directory.heartbeat import Report, is_silent
from xnet_helpdesk.language import site_language, speaking, user_language

AGENT_FEED = "On-site Agent"


def batch_summary(report: Report) -> str:
	batch = report.batch
	kinds = {"full": _("Full read"), "incremental": _("Changed entries"), "reconcile": _("Reconciliation")}
	counts = ", ".join(f"{key} {value}" for key, value in sorted(batch.counts.items()) if value)
	text = _("{0}: {1} entries in {2} s").format(kinds[batch.kind], batch.size, f"{batch.seconds:.1f}")
	if counts:
		text += f" ({counts})"
	if batch.message:
		text += "\n" + batch.message
	return text


def record_heartbeat(source, report: Report) -> dict:
	"""Store the report on the source; the answer tells the agent the source's deactivation limit."""
	now = now_datetime()
	values = {
		"agent_last_heartbeat": now,
		"agent_id": report.agent_id,
		"agent_version": report.version,
		"agent_host": report.hostname,
		"agent_position": "" if report.position is None else str(report.position),
		"agent_last_errors": "\n".join(report.errors[-10:]),
		"agent_silence_reported_on": None,  # heard again: the next silence is a new one
	}
	if report.batch:  # the agent reports each pass that did something once, in its next heartbeat
		values.update(
			{
				"agent_last_batch": batch_summary(report),
				"agent_last_batch_result": report.batch.result,
				"agent_last_batch_on": now,
			}
		)
		if report.batch.key:
			push_log.close_group(
				source.name,
				report.batch.key,
				"Success" if report.batch.result == "Accepted" else "Failed",
				report.batch.message,
				report.batch.seconds,
			)
	frappe.db.set_value("Directory Source", source.name, values, update_modified=False)
	return {
		"source": source.name,
		"received": now.isoformat(),
		"max_deactivation_percent": float(source.max_deactivation_percent or 0),
		"expected_interval_minutes": int(source.agent_expected_interval or 0),
	}


# --- silence --------------------------------------------------------------------------------------


def silent_agents(now=None) -> list[dict]:
	# the field is agent_last_heartbeat, not agent_last_seen: Frappe's get_all drops every field whose
	# name contains "_seen" (its optional column) when the table has no _seen column
	now = now or now_datetime()
	rows = frappe.get_all(
		"Directory Source",
		filters={"enabled": 1, "feed": AGENT_FEED, "agent_last_heartbeat": ["is", "set"]},
		fields=[
			"name",
			"client_company",
			"agent_id",
			"agent_host",
			"agent_last_heartbeat",
			"agent_expected_interval",
			"agent_silence_reported_on",
		],
	)
	return [
		row
		for row in rows
		if is_silent(
			row.agent_last_heartbeat,
			int(row.agent_expected_interval or 0),
			row.agent_silence_reported_on,
			now,
		)
	]


def managers() -> list[str]:
	user = frappe.qb.DocType("User")
	has_role = frappe.qb.DocType("Has Role")
	return (
		frappe.qb.from_(user)
		.join(has_role)
		.on((has_role.parent == user.name) & (has_role.parenttype == "User"))
		.select(user.name)
		.distinct()
		.where(has_role.role == MANAGER)
		.where(user.enabled == 1)
		.where(user.name.notin(["Guest", "Administrator"]))
		.run(pluck=True)
	)


def check_silent_agents() -> int:
	"""Scheduler (every 5 minutes): report each newly silent agent to every Helpdesk Manager, in their
	language, in the Desk (the bell) and by e-mail; mark the silence reported so the next tick is quiet.
	Returns how many agents were reported."""
	now = now_datetime()
	found = silent_agents(now)
	recipients = managers()
	for row in found:
		# marked first: a failing e-mail must not turn into an alert every five minutes
		frappe.db.set_value(
			"Directory Source", row.name, "agent_silence_reported_on", now, update_modified=False
		)
		_close_running_logs(row.name)
		for user in recipients:
			_tell(user, row)
		frappe.db.commit()  # a scheduler job: each source's report is kept on its own
	return len(found)


def _close_running_logs(source_name: str) -> None:
	"""The silent agent's pass that was still open will not report how it ended."""
	with speaking(site_language()):
		message = _("The agent stopped reporting before this pass ended.")
	for name in frappe.get_all(
		"Directory Sync Log",
		filters={"directory_source": source_name, "trigger": "Agent", "status": "Running"},
		pluck="name",
	):
		frappe.db.set_value(
			"Directory Sync Log", name, {"status": "Failed", "message": message}, update_modified=False
		)


def _tell(user: str, row) -> None:
	with speaking(user_language(user)):
		subject = _("The directory agent of {0} is silent").format(row.name)
		body = _(
			"The directory agent {0} on {1} of the client company {2} has not reported since {3}, "
			"longer than its interval of {4} minutes. Changes in the client's directory do not reach the "
			"helpdesk until it is back: check the agent's service on the client's server and its "
			"connection to the helpdesk."
		).format(
			frappe.utils.escape_html(row.agent_id or ""),
			frappe.utils.escape_html(row.agent_host or ""),
			frappe.utils.escape_html(row.client_company or ""),
			format_datetime(row.agent_last_heartbeat),
			row.agent_expected_interval,
		)
		link = get_url_to_form("Directory Source", row.name)
		frappe.get_doc(
			{
				"doctype": "Notification Log",
				"subject": subject,
				"for_user": user,
				"type": "Alert",
				"document_type": "Directory Source",
				"document_name": row.name,
				"email_content": body,
			}
		).insert(ignore_permissions=True)  # system-owned alert of a scheduler job
		email = frappe.db.get_value("User", user, "email")
		if not email:
			return
		try:
			frappe.sendmail(
				recipients=[email],
				subject=subject,
				message=f'<p>{body}</p><p><a href="{link}">{frappe.utils.escape_html(row.name)}</a></p>',
				reference_doctype="Directory Source",
				reference_name=row.name,
				delayed=True,
			)
		except Exception:
			# no outgoing account: the bell above still tells them; the error is kept for the admin
			frappe.log_error(title=_("Silent agent alert: the e-mail could not be queued"))
