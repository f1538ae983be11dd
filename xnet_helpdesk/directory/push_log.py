"""Directory Sync Logs of the pushed feeds. A push is one request a person, so a log per request would
bury the pull's logs: the requests are grouped instead, one log per group, its counts added up as the
requests arrive. The on-site agent names its group (a pass: the X-XNet-Sync-Batch header) and closes it
with the pass's result in its next heartbeat; a SCIM client (Entra ID, Okta) gets one log per source
and hour. A rejected write (400, 409) is listed in its group's log as a skipped entry with the reason."""

import re

import frappe
from frappe.utils import now_datetime

from xnet_helpdesk.directory.merge import MAX_LOG_ENTRIES, SyncRun

BATCH_HEADER = "X-XNet-Sync-Batch"
COUNTS = ("created", "updated", "adopted", "unchanged", "deactivated", "skipped", "portal_users_created")
_KEY = re.compile(r"^[\w.:@-]{1,80}$")


def group_of(request) -> tuple[str, str]:
	"""(log key, trigger) of a request: the agent's pass, else the current hour."""
	key = (request.headers.get(BATCH_HEADER) or "").strip()
	if key and _KEY.match(key):
		return key, "Agent"
	return now_datetime().strftime("scim:%Y-%m-%dT%H"), "SCIM"


def _log_name(source, key: str, trigger: str) -> str:
	filters = {"directory_source": source.name, "sync_batch": key}
	name = frappe.db.get_value("Directory Sync Log", filters, "name")
	if name:
		return name
	# parallel requests of one group: the first to lock the source makes the log, the others find it —
	# with a locking read, which sees what was committed since this transaction's snapshot was taken
	frappe.db.get_value("Directory Source", source.name, "name", for_update=True)
	name = frappe.db.get_value("Directory Sync Log", filters, "name", for_update=True)
	if name:
		return name
	log = frappe.get_doc(
		{
			"doctype": "Directory Sync Log",
			"directory_source": source.name,
			"client_company": source.client_company,
			# the agent's pass runs until its heartbeat says how it ended; a SCIM hour is its requests
			"status": "Running" if trigger == "Agent" else "Success",
			"trigger": trigger,
			"started_on": now_datetime(),
			"sync_batch": key,
		}
	)
	log.insert(ignore_permissions=True)  # system-owned record of a pushed feed; the token was checked
	return log.name


def record_write(source, request, run: SyncRun) -> None:
	"""Add one accepted write's counts (and notes) to its group's log, in the request's transaction."""
	key, trigger = group_of(request)
	name = _log_name(source, key, trigger)
	_add_notes(name, run.entries)
	table = frappe.qb.DocType("Directory Sync Log")
	query = (
		frappe.qb.update(table)
		.set(table.entries_seen, table.entries_seen + 1)
		.set(table.finished_on, now_datetime())
		.where(table.name == name)
	)
	for field in COUNTS:
		if run.counts[field]:
			query = query.set(table[field], table[field] + run.counts[field])
	query.run()


def record_rejected(source, request, identifier: str, reason: str) -> None:
	"""A write the helpdesk refused: a skipped entry of its group, committed on its own (the request's
	own changes were rolled back)."""
	key, trigger = group_of(request)
	name = _log_name(source, key, trigger)
	_add_notes(
		name, [{"kind": "Skipped", "dn": "", "directory_id": identifier[:140], "reason": reason[:500]}]
	)
	table = frappe.qb.DocType("Directory Sync Log")
	(
		frappe.qb.update(table)
		.set(table.entries_seen, table.entries_seen + 1)
		.set(table.skipped, table.skipped + 1)
		.set(table.finished_on, now_datetime())
		.where(table.name == name)
	).run()
	frappe.db.commit()  # a request handler's own error record, after its rollback (see scim/router.py)


def _add_notes(log_name: str, notes: list[dict]) -> None:
	if not notes:
		return
	listed = frappe.db.count(
		"Directory Sync Log Entry", {"parent": log_name, "parenttype": "Directory Sync Log"}
	)
	room = max(MAX_LOG_ENTRIES - listed, 0)
	for index, note in enumerate(notes[:room]):
		frappe.get_doc(
			{
				"doctype": "Directory Sync Log Entry",
				"parent": log_name,
				"parenttype": "Directory Sync Log",
				"parentfield": "entries",
				"idx": listed + index + 1,
				**note,
			}
		).db_insert()
	if len(notes) > room:
		table = frappe.qb.DocType("Directory Sync Log")
		(
			frappe.qb.update(table)
			.set(table.entries_not_listed, table.entries_not_listed + len(notes) - room)
			.where(table.name == log_name)
		).run()


def close_group(source_name: str, key: str, status: str, message: str, seconds: float) -> None:
	"""The agent's heartbeat: its pass ended so (a refused reconciliation wrote nothing: its log is made
	here, so the refusal shows among the source's logs as a failed pull's would)."""
	filters = {"directory_source": source_name, "sync_batch": key}
	name = frappe.db.get_value("Directory Sync Log", filters, "name")
	values = {"status": status, "message": message, "duration": round(seconds, 1)}
	if name:
		frappe.db.set_value("Directory Sync Log", name, values, update_modified=False)
		return
	if status != "Failed":
		return  # a pass with nothing to send leaves no log: one every few minutes would bury the others
	frappe.get_doc(
		{
			"doctype": "Directory Sync Log",
			"directory_source": source_name,
			"client_company": frappe.db.get_value("Directory Source", source_name, "client_company"),
			"trigger": "Agent",
			"started_on": now_datetime(),
			"finished_on": now_datetime(),
			"sync_batch": key,
			**values,
		}
	).insert(ignore_permissions=True)  # system-owned record of the agent's report
