import sys
import time

N = int(sys.argv[1])
sys.argv = [sys.argv[0], str(N)]
import problem_fanout as pf
from _site import connect

connect("xnet-test.localhost")
import frappe
from frappe.utils import add_to_date, now_datetime

from xnet_helpdesk.outages import fanout, resolution

pf.setup(frappe)
since = now_datetime()
problem = frappe.get_doc(
	{
		"doctype": "Global Problem",
		"title": pf.TITLE,
		"status": "Active",
		"started_on": since,
		"planned_resolution_time": add_to_date(since, hours=4),
		"affected_client_companies": [{"client_company": pf.COMPANY}],
	}
).insert()
frappe.db.commit()
real = resolution.resolve_chunk
times = []


def timed(names, p, f):
	t, c = time.perf_counter(), time.process_time()
	r = real(names, p, f)
	times.append(
		((time.perf_counter() - t) * 1000 / len(names), (time.process_time() - c) * 1000 / len(names))
	)
	return r


resolution.resolve_chunk = timed
realcommit = frappe.db.commit
ct = []


def commit():
	t = time.perf_counter()
	realcommit()
	ct.append((time.perf_counter() - t) * 1000)


try:
	pf.link_incidents(frappe, problem.name)
	problem.reload()
	problem.status = "Resolved"
	problem.resolution = "<p>Магистральный канал восстановлен.</p>"
	problem.save()
	frappe.db.commit()
	frappe.db.commit = commit
	t = time.perf_counter()
	fanout.resolve_linked_incidents(problem.name)
	print("total", time.perf_counter() - t)
	print(" ".join(f"{w:.1f}/{c:.1f}" for w, c in times))
	print("commits ms", " ".join(f"{c:.0f}" for c in ct))
finally:
	frappe.db.commit = realcommit
	pf.cleanup(frappe, problem.name, since)
