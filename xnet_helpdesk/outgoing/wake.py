"""One background job drains a table of work, woken by the commits that add to it; never a job per row.

A job per row costs a worker a fork, a site connection and the imports each time: under a burst (a Monday
morning, an outage's fan-out) one worker spent seconds per e-mail on that alone and the e-mails queued up
behind each other. Here a transaction that adds rows wakes the drainer once, after its commit:
  - a drainer already waiting in the queue will see the new rows: nothing more is queued;
  - none waiting: one is queued ("<job_id>", or "<job_id>-next" while the first runs: the running one may
    have made its last check before this commit);
  - both running (several workers): one more without a name.
The drainer takes rows until none are left. A lost wake-up (Redis restarted) is covered by the scheduler's
own sweep of the same table (Frappe's e-mail flush, the outbox's per-minute sweep).
"""

import frappe
from frappe.utils.background_jobs import get_job_status
from rq.job import JobStatus


def wake(method: str, job_id: str, queue: str) -> None:
	"""After this transaction commits, make sure a `method` job will run (one wake-up per transaction)."""
	pending = frappe.db.after_commit._functions
	if any(getattr(fn, "xnet_wakes", None) == job_id for fn in pending):
		return
	# the dict is what tests/harness/jobs.py reads to see what a transaction queued for after its commit
	job = {"method": method, "job_id": job_id, "queue": queue}

	def after_commit():
		enqueue_unless_waiting(**job)

	after_commit.xnet_wakes = job_id
	frappe.db.after_commit.add(after_commit)


def enqueue_unless_waiting(method: str, job_id: str, queue: str) -> None:
	for candidate in (job_id, f"{job_id}-next"):
		status = get_job_status(candidate)
		if status == JobStatus.QUEUED:
			return
		if status != JobStatus.STARTED:
			frappe.enqueue(method, queue=queue, job_id=candidate, deduplicate=True)
			return
	frappe.enqueue(method, queue=queue)
