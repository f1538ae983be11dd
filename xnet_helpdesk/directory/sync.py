"""Directory sync: people of a client company's directory -> Frappe Contacts linked to the company.

Runs as a background job (Sync now, or the hourly scheduler enqueueing what is due) and commits as
it goes, one page of entries at a time, so an interrupted run leaves every contact either as it was or
fully updated, and the next run completes it. Deactivating the contacts that vanished happens only
after the directory was read to the end, and never when the result is empty.
"""

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import islice

import frappe
from frappe import _
from frappe.utils import add_to_date, now_datetime
from frappe.utils.file_lock import LockTimeoutError
from frappe.utils.synchronization import filelock

from xnet_helpdesk.directory import client
from xnet_helpdesk.directory.client import DirectoryError
from xnet_helpdesk.directory.merge import SyncRun, apply_batch, deactivate_missing
from xnet_helpdesk.directory.sources import PUSH_FEEDS, error_message, settings_for
from xnet_helpdesk.directory.sync_log import finish_log, start_log

BATCH = 500
DUE_AFTER = {"Daily": {"hours": 23, "minutes": 30}, "Hourly": {"minutes": 50}}


# --- scheduling ----------------------------------------------------------------------------------------


def job_id(source_name: str) -> str:
	return f"xnet_directory_sync::{source_name}"


def enqueue_sync(source_name: str, trigger: str = "Manual") -> None:
	frappe.enqueue(
		"xnet_helpdesk.directory.sync.run_sync",
		queue="long",
		timeout=4 * 3600,
		job_id=job_id(source_name),
		deduplicate=True,
		source_name=source_name,
		trigger=trigger,
	)


def due_sources(now=None) -> list[str]:
	now = now or now_datetime()
	due = []
	for source in frappe.get_all(
		"Directory Source",
		filters={"enabled": 1, "feed": ["not in", PUSH_FEEDS], "sync_frequency": ["in", list(DUE_AFTER)]},
		fields=["name", "sync_frequency", "last_sync_on", "last_sync_status"],
	):
		if (
			source.last_sync_status == "Running"
			and source.last_sync_on
			and source.last_sync_on > add_to_date(now, hours=-6)
		):
			continue
		if not source.last_sync_on or source.last_sync_on <= add_to_date(
			now, **{k: -v for k, v in DUE_AFTER[source.sync_frequency].items()}
		):
			due.append(source.name)
	return due


def enqueue_due_syncs() -> None:
	for name in due_sources():
		enqueue_sync(name, trigger="Scheduled")


# --- the LDAP pull -------------------------------------------------------------------------------------


def run_sync(source_name: str, trigger: str = "Manual") -> str:
	"""Sync one source and return the name of its Directory Sync Log. Never raises for directory
	failures: they end up, as a clear message, in the log and on the source."""
	try:
		with filelock(f"xnet_directory_sync_{frappe.scrub(source_name)}", timeout=1):
			return _run_locked(source_name, trigger)
	except LockTimeoutError:
		frappe.db.rollback()
		# the running sync owns the source's status fields: only this attempt's own log says why
		log = frappe.get_doc(
			{
				"doctype": "Directory Sync Log",
				"directory_source": source_name,
				"client_company": frappe.db.get_value("Directory Source", source_name, "client_company"),
				"status": "Failed",
				"trigger": trigger,
				"started_on": now_datetime(),
				"finished_on": now_datetime(),
				"message": _("Another sync of this source is running; this one did not start."),
			}
		).insert(ignore_permissions=True)  # system-owned record of a background run
		frappe.db.commit()
		return log.name


def _run_locked(source_name: str, trigger: str) -> str:
	source = frappe.get_doc("Directory Source", source_name)
	settings = settings_for(source)
	run = SyncRun(source, trigger)
	log = start_log(source, trigger)
	started = time.monotonic()
	status, message = "Success", ""
	try:
		with _import_flags():
			for batch in _batched(client.iter_people(settings), max(BATCH, 1)):
				apply_batch(run, batch)
				frappe.db.commit()  # a background job: each page is consistent on its own
			message = deactivate_missing(run)
			if message:
				status = "Failed"
			frappe.db.commit()
	except DirectoryError as error:
		frappe.db.rollback()
		status, message = "Failed", error_message(error, settings)
	except Exception as error:
		frappe.db.rollback()
		status = "Failed"
		message = _("The sync stopped on an unexpected error: {0}").format(settings.scrub(repr(error)))
		frappe.log_error(
			title=_("Directory sync failed: {0}").format(source_name),
			message=settings.scrub(frappe.get_traceback(with_context=False)),
		)
	finish_log(log, run, status, message, time.monotonic() - started)
	return log.name


def _batched(items: Iterable, size: int) -> Iterator[list]:
	iterator = iter(items)
	while batch := list(islice(iterator, size)):
		yield batch


@contextmanager
def _import_flags():
	"""Contact.validate asks gravatar.com about every new e-mail address (an HTTP request per contact,
	and client staff's addresses sent to a third party); Frappe skips that during imports, as this is."""
	previous = frappe.flags.in_import
	frappe.flags.in_import = True
	try:
		yield
	finally:
		frappe.flags.in_import = previous
