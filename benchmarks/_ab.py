import contextlib
import sys
import time

sys.argv = [sys.argv[0], "250"]
import problem_fanout as pf
from _site import connect

connect("xnet-test.localhost")
import frappe
from frappe.utils import add_to_date, now_datetime

from xnet_helpdesk.outages import chunk_mail, resolution
from xnet_helpdesk.outgoing import mime_once, premailer_rules

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
try:
	pf.link_incidents(frappe, problem.name)
	problem.reload()
	problem.status = "Resolved"
	problem.resolution = "<p>Магистральный канал восстановлен.</p>"
	problem.save()
	frappe.db.commit()
	names = frappe.get_all("Incident", filters={"global_problem": problem.name}, pluck="name")
	real = {
		"mime": mime_once.headers_parsed_once,
		"bulk": resolution.insert_rows,
		"names_in": premailer_rules.names_in,
	}

	def variant(off):
		mime_once.headers_parsed_once = contextlib.nullcontext if "mime" in off else real["mime"]
		resolution.insert_rows = (
			(lambda dt, f, rows: frappe.db.bulk_insert(dt, f, rows)) if "bulk" in off else real["bulk"]
		)
		premailer_rules.names_in = (lambda html: None) if "premailer" in off else real["names_in"]

	variants = [(), ("mime",), ("bulk",), ("premailer",)]
	results = {v: [] for v in variants}
	for round in range(3):
		for v in variants:
			variant(v)
			# re-import resolution's references: it calls mime_once.headers_parsed_once via module attr
			t, c = time.perf_counter(), time.process_time()
			r = resolution.resolve_chunk(names, problem, None)
			results[v].append(
				((time.perf_counter() - t) * 1000 / len(names), (time.process_time() - c) * 1000 / len(names))
			)
			assert len(r["resolved"]) == len(names), r
			frappe.db.rollback()
	for v, rs in results.items():
		print(
			"off:",
			v or "nothing",
			" ".join(f"{w:.2f}/{c:.2f}" for w, c in rs),
			"min cpu %.2f" % min(c for _, c in rs),
		)
finally:
	variant(())
	pf.cleanup(frappe, problem.name, since)
