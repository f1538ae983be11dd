"""Registration with the "Nearest Free Engineer" rule vs a bare ToDo insert, each committed, in one run.

Three timings, N each, on the same site and connection:
  - baseline: frappe.get_doc(ToDo).insert() + commit;
  - registration without any assignment rule: Incident insert + commit;
  - registration with the rule: Incident insert (Frappe's apply() runs the rule, creates the ToDo, the
    engineer is saved and the Assign action taken) + commit.
Everything created is deleted afterwards. Run: env/bin/python benchmarks/registration_assign.py
"""

import statistics
import time

from _site import connect

N = 60
CENTER, COMPANY, RULE = "BENCH Registration Center", "BENCH Registration Co", "BENCH registration rule"
ENGINEERS = [f"bench.reg.engineer{i}@bench.local" for i in range(4)]


def setup(frappe):
	from xnet_helpdesk.business_hours.schedule import WEEKDAYS

	if not frappe.db.exists("Service Center", CENTER):
		frappe.get_doc(
			{"doctype": "Service Center", "center_name": CENTER, "city": "Bench", "time_zone": "Asia/Almaty"}
		).insert()
	if not frappe.db.exists("Client Company", COMPANY):
		frappe.get_doc(
			{"doctype": "Client Company", "company_name": COMPANY, "service_center": CENTER}
		).insert()
	for user in ENGINEERS:
		if not frappe.db.exists("User", user):
			frappe.get_doc(
				{
					"doctype": "User",
					"email": user,
					"first_name": user.split("@")[0],
					"send_welcome_email": 0,
					"user_type": "System User",
					"roles": [{"role": "Helpdesk Engineer"}],
				}
			).insert(ignore_permissions=True)
		if not frappe.db.exists("Support Engineer", user):
			frappe.get_doc(
				{"doctype": "Support Engineer", "user": user, "service_center": CENTER, "capacity": 100_000}
			).insert()
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


def main():
	connect()
	import frappe

	from xnet_helpdesk.assignment.engine import recount_open_load

	setup(frappe)
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

	try:
		for warm in (todo, register):
			timed(frappe, warm, 5)
		set_rule(frappe, False)
		bare = timed(frappe, todo)
		plain = timed(frappe, register)
		set_rule(frappe, True)
		before = len(incidents)
		with_rule = timed(frappe, register)
		assigned = sum(1 for doc in incidents[before:] if doc.engineer and doc.status == "Assigned")
	finally:
		set_rule(frappe, False)
		names = [doc.name for doc in incidents]
		for doctype, field in (
			("ToDo", "reference_name"),
			("Comment", "reference_name"),
			("Version", "docname"),
			("Notification Log", "document_name"),
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
	print(f"registration, median of {N}, each committed (rule assigned {assigned}/{N})")
	print(f"  bare ToDo insert (baseline):        {bare:6.2f} ms  1.00x")
	print(f"  Incident registration, no rule:     {plain:6.2f} ms  {plain / bare:.2f}x")
	print(f"  Incident registration + assignment: {with_rule:6.2f} ms  {with_rule / bare:.2f}x")


if __name__ == "__main__":
	main()
