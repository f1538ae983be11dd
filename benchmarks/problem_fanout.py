"""Global problem fan-out: N open incidents linked to one outage (default 5,000).

What is measured, in one run on one site:
  - baseline: a bare ToDo insert + commit (the machine's speed);
  - the admin's two requests on the problem: a new planned resolution time, then "Resolved" with the
    resolution text. Each is a Global Problem save + commit: it only updates the linked incidents' planned
    time in one statement and queues background jobs, whatever N is;
  - the background work they queue, run here as the workers run it: the planned-time notice (one e-mail
    per client address, rendered once per language), the resolution job (the incidents resolved
    set-based, a chunk of 250 per transaction, their Resolved e-mails queued with them) and whatever
    Resolved e-mails are left in the outbox (Notifications that need Frappe's full send).
Prints the times, the request times as ToDo-insert ratios, and how many clients were e-mailed.
Everything created is deleted afterwards.

Run: scripts/bench-exec python benchmarks/problem_fanout.py [N] [--profile]
(site: XNET_BENCH_SITE, default xnet-test.localhost). --profile prints where the resolution job spends its
time (cProfile, the 25 costliest functions by their own time and by time under them; the whole profile is kept in /tmp/problem_fanout.pstats).
"""

import signal
import statistics
import sys
import time

from _site import connect, ensure_center_and_company, ensure_engineer, purge_queued_jobs

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
N = int(ARGS[0]) if ARGS else 5000
PROFILE = "--profile" in sys.argv
CENTER, COMPANY = "BENCH Fanout Center", "BENCH Fanout Co"
ENGINEER = "bench.fanout.engineer@bench.local"
TITLE = "BENCH Fan-out outage"


def setup(frappe):
	from tests.harness.assignment_world import ensure_outgoing_email_account

	ensure_outgoing_email_account()
	ensure_center_and_company(CENTER, COMPANY)
	ensure_engineer(ENGINEER, CENTER, capacity=1_000_000)
	frappe.db.commit()


def todo_ms(frappe, n=100) -> float:
	samples, names = [], []
	for i in range(n):
		started = time.perf_counter()
		names.append(frappe.get_doc({"doctype": "ToDo", "description": f"bench {i}"}).insert().name)
		frappe.db.commit()
		samples.append((time.perf_counter() - started) * 1000)
	frappe.db.delete("ToDo", {"name": ("in", names)})
	frappe.db.commit()
	return statistics.median(samples)


def timed(fn):
	started = time.perf_counter()
	result = fn()
	return result, time.perf_counter() - started


def main():
	connect("xnet-test.localhost")
	import frappe
	from frappe.utils import add_to_date, now_datetime

	from xnet_helpdesk.outages import fanout, notices
	from xnet_helpdesk.outgoing import outbox

	setup(frappe)
	since = now_datetime()
	problem = frappe.get_doc(
		{
			"doctype": "Global Problem",
			"title": TITLE,
			"status": "Active",
			"started_on": since,
			"planned_resolution_time": add_to_date(since, hours=4),
			"affected_client_companies": [{"client_company": COMPANY}],
		}
	).insert()
	frappe.db.commit()
	try:
		baseline = todo_ms(frappe)
		print(f"linking {N} incidents to the outage ...", flush=True)
		_, linking = timed(lambda: link_incidents(frappe, problem.name))

		problem.reload()
		problem.planned_resolution_time = add_to_date(since, hours=6)
		_, eta_request = timed(lambda: (problem.save(), frappe.db.commit()))
		eta_mails, eta_job = timed(
			lambda: notices.notify_planned_time_change(problem.name, str(problem.planned_resolution_time))
		)
		frappe.db.commit()

		problem.reload()
		problem.status = "Resolved"
		problem.resolution = "<p>Магистральный канал восстановлен.</p>"
		_, resolve_request = timed(lambda: (problem.save(), frappe.db.commit()))
		cpu = time.process_time()
		result, resolve_job = timed(lambda: profiled(lambda: fanout.resolve_linked_incidents(problem.name)))
		resolve_cpu = time.process_time() - cpu
		delivered, mail_job = timed(lambda: deliver_everything(frappe, outbox, problem.name))
		mailed = frappe.db.sql(
			"""select count(distinct r.recipient) from `tabEmail Queue` q
			join `tabEmail Queue Recipient` r on r.parent = q.name
			where q.reference_doctype = 'Incident' and q.creation >= %s and r.recipient like 'fanout%%'""",
			since,
		)[0][0]
		still_open = frappe.db.count(
			"Incident", {"global_problem": problem.name, "status": ("not in", ["Resolved", "Closed"])}
		)
	finally:
		cleanup(frappe, problem.name, since)
		purge_queued_jobs(
			frappe.local.site,
			{
				"xnet_helpdesk.outgoing.outbox.deliver",
				"xnet_helpdesk.outgoing.outbox.deliver_due",
				"xnet_helpdesk.assignment.jobs.retry_waiting",
			}
			| {
				f"{notices.__name__}.notify_planned_time_change",
				f"{fanout.__name__}.resolve_linked_incidents",
			},
		)

	print(f"global problem fan-out, {N} linked open incidents")
	print(f"  baseline: bare ToDo insert + commit          {baseline:9.2f} ms")
	print(f"  linking the incidents (setup, not timed work) {linking:8.1f} s")
	print("  the admin's requests (Global Problem save + commit):")
	print(
		f"    new planned resolution time               {eta_request * 1000:9.2f} ms  {eta_request * 1000 / baseline:6.1f}x ToDo"
	)
	print(
		f"    resolved                                  {resolve_request * 1000:9.2f} ms  {resolve_request * 1000 / baseline:6.1f}x ToDo"
	)
	print("  background jobs, as the workers run them:")
	print(f"    planned-time notice: {eta_mails} e-mails        {eta_job:9.1f} s")
	print(
		f"    resolution: {len(result['resolved'])} resolved, {len(result['failed'])} failed  {resolve_job:9.1f} s"
		f"  ({resolve_job * 1000 / max(N, 1):.1f} ms per incident; this process's CPU"
		f" {resolve_cpu * 1000 / max(N, 1):.1f} ms)"
	)
	print(f"    Resolved e-mails out of the outbox ({delivered})  {mail_job:9.1f} s")
	print(f"  clients e-mailed about the resolution: {mailed} of {N}; incidents still open: {still_open}")


def profiled(fn):
	if not PROFILE:
		return fn()
	import cProfile
	import pstats

	profile = cProfile.Profile()
	result = profile.runcall(fn)
	profile.dump_stats("/tmp/problem_fanout.pstats")
	stats = pstats.Stats(profile)
	for key in ("tottime", "cumulative"):
		print(f"--- resolution job, by {key}")
		stats.sort_stats(key).print_stats(25)
	return result


def link_incidents(frappe, problem):
	for i in range(N):
		doc = frappe.get_doc(
			{
				"doctype": "Incident",
				"subject": f"BENCH нет интернета {i}",
				"channel": "Phone",
				"client_company": COMPANY,
				"contact_name": f"Клиент {i}",
				"contact_phone": "+77011234567",
				"contact_email": f"fanout{i}@bench-fanout.test",
				"global_problem": problem,
			}
		)
		doc.flags.notifications = []  # their Registered e-mails are not part of the fan-out
		doc.insert()
		if i % 100 == 99:
			frappe.db.commit()
	# the outage's incidents were taken by the center's engineer (the resolution job walks each one
	# through the workflow from its state; one without an engineer would need the resolver's record)
	incident = frappe.qb.DocType("Incident")
	frappe.qb.update(incident).set(incident.engineer, ENGINEER).where(
		incident.global_problem == problem
	).run()
	frappe.db.commit()


def deliver_everything(frappe, outbox, problem):
	"""The outbox rows of this outage's incidents (not the site's others: a test site's leftovers would be
	sent through an account that goes nowhere and stay behind)."""
	incidents = frappe.get_all("Incident", filters={"global_problem": problem}, pluck="name")
	sent = 0
	for start in range(0, len(incidents), 500):
		rows = frappe.get_all(
			"Pending Notification",
			filters={
				"reference_doctype": "Incident",
				"reference_name": ("in", incidents[start : start + 500]),
			},
			pluck="name",
		)
		if rows:
			sent += outbox.deliver_all(names=rows)
	return sent


def cleanup(frappe, problem, since):
	frappe.db.rollback()
	names = frappe.get_all("Incident", filters={"global_problem": problem}, pluck="name")
	for start in range(0, len(names), 500):
		chunk = names[start : start + 500]
		queued = frappe.get_all(
			"Email Queue",
			filters={"reference_doctype": "Incident", "reference_name": ("in", chunk)},
			pluck="name",
		)
		if queued:
			frappe.db.delete("Email Queue Recipient", {"parent": ("in", queued)})
		for doctype, field in (
			("ToDo", "reference_name"),
			("Comment", "reference_name"),
			("Version", "docname"),
			("Communication", "reference_name"),
			("Email Queue", "reference_name"),
			("Pending Notification", "reference_name"),
		):
			frappe.db.delete(doctype, {field: ("in", chunk)})
		frappe.db.delete("Incident", {"name": ("in", chunk)})
	notices = frappe.get_all(
		"Email Queue",
		filters={"reference_doctype": "Global Problem", "reference_name": problem},
		pluck="name",
	)
	if notices:
		frappe.db.delete("Email Queue Recipient", {"parent": ("in", notices)})
	frappe.db.delete("Email Queue", {"reference_doctype": "Global Problem", "reference_name": problem})
	frappe.db.delete("Global Problem Client Company", {"parent": problem})
	frappe.db.delete("Global Problem", {"name": problem})
	frappe.db.commit()
	from xnet_helpdesk.assignment.load import recount_open_load

	recount_open_load()
	frappe.db.commit()


if __name__ == "__main__":
	# a run stopped with SIGTERM (kill, a timeout) still removes its thousands of incidents (main's finally)
	signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
	main()
