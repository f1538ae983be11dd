"""Registration vs a bare ToDo insert, each committed, in one run on one connection.

Timings (median of N, each with its commit):
  - baseline: frappe.get_doc(ToDo).insert() + commit;
  - registration, no assignment rule: Incident insert (validation, naming, workflow, SLA, the Registered
    e-mail decided and left in the outbox for a worker) + commit;
  - registration with the "Nearest Free Engineer" rule enabled: the same, Frappe's apply() choosing the rule,
    which queues the choice of engineer for a background job (Helpdesk Settings, the default);
  - the same with "Choose the Engineer in the Background" off: the engineer is chosen inside the save.
And what the workers then do per incident (not in the request): the assignment job (candidates, row lock,
ToDo, the Assign transition, the explanation) and the e-mail job (render, Communication, Email Queue).
Everything created is deleted afterwards. Run: env/bin/python benchmarks/registration_assign.py
(site: XNET_BENCH_SITE, default xnet-assign.localhost)
"""

import statistics
import time

from _site import connect, ensure_center_and_company, ensure_engineer

N = 60
CENTER, COMPANY, RULE = "BENCH Registration Center", "BENCH Registration Co", "BENCH registration rule"
ENGINEERS = [f"bench.reg.engineer{i}@bench.local" for i in range(4)]


def setup(frappe):
	from xnet_helpdesk.business_hours.schedule import WEEKDAYS

	ensure_center_and_company(CENTER, COMPANY)
	for user in ENGINEERS:
		ensure_engineer(user, CENTER)
	if not frappe.db.exists("Assignment Rule", RULE):
		frappe.get_doc(
			{
				"doctype": "Assignment Rule",
				"document_type": "Incident",
				"priority": 1000,
				"disabled": 1,
				"rule": "Nearest Free Engineer",
				"description": "bench",
				"assign_condition": f'status == "Registered" and not engineer and service_center == "{CENTER}"',
				"users": [{"user": u} for u in ENGINEERS],
				"assignment_days": [{"day": d} for d in WEEKDAYS],
			}
		).insert(set_name=RULE)
	frappe.db.commit()


def set_rule(frappe, enabled):
	frappe.db.set_value("Assignment Rule", RULE, "disabled", int(not enabled))
	frappe.db.commit()
	frappe.clear_document_cache("Assignment Rule", RULE)
	from frappe.cache_manager import clear_doctype_map

	clear_doctype_map("Assignment Rule", "Incident")


def timed(frappe, make, n=N):
	samples = []
	for i in range(n):
		started = time.perf_counter()
		make(i)
		frappe.db.commit()
		samples.append((time.perf_counter() - started) * 1000)
	return statistics.median(samples)


def per_item(frappe, work, items):
	"""Median ms of a worker job per item, each committed as the job runner does."""
	samples = []
	for item in items:
		started = time.perf_counter()
		work(item)
		frappe.db.commit()
		samples.append((time.perf_counter() - started) * 1000)
	return statistics.median(samples) if samples else 0.0


def set_background(frappe, enabled):
	frappe.db.set_single_value("Helpdesk Settings", "assign_in_background", int(enabled))
	frappe.db.commit()


def main():
	connect()
	import frappe

	from tests.harness.assignment_world import ensure_outgoing_email_account
	from xnet_helpdesk.assignment.jobs import assign_pending
	from xnet_helpdesk.assignment.load import recount_open_load
	from xnet_helpdesk.outgoing import outbox

	setup(frappe)
	ensure_outgoing_email_account()
	frappe.db.commit()
	background_before = frappe.db.get_single_value("Helpdesk Settings", "assign_in_background")
	todos, incidents = [], []

	def todo(i):
		todos.append(frappe.get_doc({"doctype": "ToDo", "description": f"bench {i}"}).insert().name)

	def register(i):
		doc = frappe.get_doc(
			{
				"doctype": "Incident",
				"subject": f"BENCH registration {i}",
				"channel": "Phone",
				"client_company": COMPANY,
				"contact_name": "Bench Client",
				"contact_phone": "+77011234567",
				"contact_email": "bench.client@bench.local",
			}
		).insert()
		incidents.append(doc)

	def deliver_mail(doc):
		for row in frappe.get_all(outbox.DOCTYPE, filters={"reference_name": doc.name}, pluck="name"):
			outbox.deliver(row)

	try:
		for warm in (todo, register):
			timed(frappe, warm, 5)
		set_rule(frappe, False)
		bare = timed(frappe, todo)
		plain = timed(frappe, register)
		mail_job = per_item(frappe, deliver_mail, incidents[-N:])

		set_rule(frappe, True)
		set_background(frappe, True)
		before = len(incidents)
		deferred = timed(frappe, register)
		queued = incidents[before:]
		assign_job = per_item(frappe, lambda doc: assign_pending(doc.name), queued)
		assigned = sum(
			1 for doc in queued if frappe.db.get_value("Incident", doc.name, "status") == "Assigned"
		)

		set_background(frappe, False)
		before = len(incidents)
		inline = timed(frappe, register)
		inline_assigned = sum(1 for doc in incidents[before:] if doc.engineer and doc.status == "Assigned")
	finally:
		set_background(frappe, background_before if background_before is not None else 1)
		set_rule(frappe, False)
		names = [doc.name for doc in incidents]
		for doctype, field in (
			("ToDo", "reference_name"),
			("Comment", "reference_name"),
			("Version", "docname"),
			("Notification Log", "document_name"),
			("Communication", "reference_name"),
			("Email Queue", "reference_name"),
			(outbox.DOCTYPE, "reference_name"),
		):
			if names:
				frappe.db.delete(doctype, {field: ("in", names)})
		if names:
			frappe.db.delete("Incident", {"name": ("in", names)})
		if todos:
			frappe.db.delete("ToDo", {"name": ("in", todos)})
		frappe.db.commit()
		recount_open_load()
		frappe.db.commit()
	print(f"registration, median of {N}, each committed")
	print(f"  bare ToDo insert (baseline):                    {bare:7.2f} ms  1.00x")
	print(f"  registration, no assignment rule:               {plain:7.2f} ms  {plain / bare:5.2f}x")
	print(f"  registration, rule on (engineer chosen by job): {deferred:7.2f} ms  {deferred / bare:5.2f}x")
	print(f"  registration, rule on, chosen inside the save:  {inline:7.2f} ms  {inline / bare:5.2f}x")
	print("in the background workers, per incident (not in the request)")
	print(
		f"  assignment job (assigned {assigned}/{len(queued)}):          {assign_job:7.2f} ms  {assign_job / bare:5.2f}x"
	)
	print(f"  Registered e-mail job (render, queue):          {mail_job:7.2f} ms  {mail_job / bare:5.2f}x")
	print(f"  inside the save, the rule assigned {inline_assigned}/{N}")


if __name__ == "__main__":
	main()
