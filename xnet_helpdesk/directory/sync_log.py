"""The Directory Sync Log of a run and the source's last-sync fields: opened when a run starts, completed with
the run's counts and notes when it ends."""

import frappe
from frappe import _
from frappe.utils import now_datetime

from xnet_helpdesk.directory.merge import SyncRun


def start_log(source, trigger: str):
	log = frappe.get_doc(
		{
			"doctype": "Directory Sync Log",
			"directory_source": source.name,
			"client_company": source.client_company,
			"status": "Running",
			"trigger": trigger,
			"started_on": now_datetime(),
		}
	)
	# system-owned record of a background run; starting the run was permission-checked
	log.insert(ignore_permissions=True)
	frappe.db.set_value(
		"Directory Source",
		source.name,
		{"last_sync_status": "Running", "last_sync_on": log.started_on, "last_sync_log": log.name},
		update_modified=False,
	)
	frappe.db.commit()
	return log


def finish_log(log, run: SyncRun, status: str, message: str, seconds: float) -> None:
	log.reload()
	log.update(
		{
			"status": status,
			"message": message,
			"finished_on": now_datetime(),
			"duration": round(seconds, 1),
			"entries_seen": run.entries_seen,
			"entries_not_listed": run.entries_not_listed,
			**{
				key: run.counts[key]
				for key in (
					"created",
					"updated",
					"adopted",
					"unchanged",
					"deactivated",
					"skipped",
					"portal_users_created",
				)
			},
		}
	)
	for row in run.entries:
		log.append("entries", row)
	log.save(ignore_permissions=True)  # system-owned, see _start_log
	summary = message or _("{0} created, {1} updated, {2} unchanged, {3} deactivated, {4} skipped").format(
		run.counts["created"],
		run.counts["updated"],
		run.counts["unchanged"],
		run.counts["deactivated"],
		run.counts["skipped"],
	)
	frappe.db.set_value(
		"Directory Source",
		log.directory_source,
		{"last_sync_status": status, "last_sync_message": summary},
		update_modified=False,
	)
	frappe.db.commit()
