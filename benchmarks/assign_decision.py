"""How long one "Nearest Free Engineer" decision takes with 500 engineers in 50 centers, at 10,000 and at
100,000 open incidents; and, for contrast, a per-engineer COUNT of open incidents (what a rule without the
maintained open-load counter would run, like Frappe's Load Balancing does over ToDo).

Everything is inserted in one transaction and rolled back: the site is left as it was.
Run: scripts/bench-exec python benchmarks/assign_decision.py  (XNET_BENCH_SITE=site)
"""

import random
import statistics
import time

from _site import connect

ENGINEERS, CENTERS, DECISIONS = 500, 50, 300
EMPTY_CENTER = "BENCH Center without engineers"


def insert_world(frappe):
	now = frappe.utils.now_datetime()
	rng = random.Random(4)
	base = {"creation": now, "modified": now, "owner": "Administrator", "modified_by": "Administrator"}
	centers = [f"BENCH Center {i:02d}" for i in range(CENTERS)] + [EMPTY_CENTER]
	frappe.db.bulk_insert(
		"Service Center",
		["name", "center_name", "city", "time_zone", "is_active", "latitude", "longitude", *base],
		[
			(c, c, "Bench", "Asia/Almaty", 1, 42 + rng.random() * 12, 50 + rng.random() * 35, *base.values())
			for c in centers
		],
	)
	hours = []
	for c in centers:
		for d, day in enumerate(
			("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
		):
			hours.append(
				(
					f"{c}-h{d}",
					c,
					"Service Center",
					"working_hours",
					d + 1,
					day,
					"00:00:00",
					"23:59:00",
					*base.values(),
				)
			)
	frappe.db.bulk_insert(
		"Service Center Working Hours",
		["name", "parent", "parenttype", "parentfield", "idx", "weekday", "start_time", "end_time", *base],
		hours,
	)
	engineers = [f"bench.engineer{i}@bench.local" for i in range(ENGINEERS)]
	frappe.db.bulk_insert(
		"Support Engineer",
		[
			"name",
			"user",
			"full_name",
			"availability",
			"service_center",
			"support_line",
			"is_active",
			"capacity",
			"open_load",
			*base,
		],
		[
			(e, e, e, "Available", centers[i % CENTERS], "Second Line", 1, 10**6, 0, *base.values())
			for i, e in enumerate(engineers)
		],
	)
	return centers, engineers


def insert_incidents(frappe, centers, engineers, count, start):
	now = frappe.utils.now_datetime()
	rng = random.Random(start)
	rows = []
	for n in range(start, start + count):
		engineer = engineers[rng.randrange(ENGINEERS)]
		rows.append(
			(
				f"BENCH-{n:07d}",
				"bench",
				"In Progress",
				"In Progress",
				"Phone",
				"Medium",
				centers[rng.randrange(CENTERS)],
				engineer,
				now,
				now,
				now,
				"Administrator",
				"Administrator",
			)
		)
	frappe.db.bulk_insert(
		"Incident",
		[
			"name",
			"subject",
			"status",
			"workflow_state",
			"channel",
			"priority",
			"service_center",
			"engineer",
			"registered_on",
			"creation",
			"modified",
			"owner",
			"modified_by",
		],
		rows,
	)
	# the maintained counter, as the Incident controller keeps it
	from xnet_helpdesk.assignment.load import recount_open_load

	recount_open_load()


def time_decisions(frappe, centers, home=None, expect_choice=True):
	from xnet_helpdesk.assignment.decision import decide

	samples = []
	for i in range(DECISIONS):
		incident = {"service_center": home or centers[i % CENTERS], "channel": "Walk-in", "name": f"x{i}"}
		started = time.perf_counter()
		decision = decide([], incident)
		samples.append((time.perf_counter() - started) * 1000)
		assert bool(decision.chosen) == expect_choice
	return statistics.median(samples)


def time_scenarios(frappe, centers):
	own = time_decisions(frappe, centers)
	nearest_other = time_decisions(frappe, centers, home=EMPTY_CENTER)
	engineer = frappe.qb.DocType("Support Engineer")
	frappe.qb.update(engineer).set(engineer.open_load, engineer.capacity).run()
	nobody = time_decisions(frappe, centers, expect_choice=False)
	return own, nearest_other, nobody


def time_naive_counts(frappe, engineers):
	from frappe.query_builder.functions import Count

	from xnet_helpdesk.incident_flow.lifecycle import OPEN_STATUSES

	incident = frappe.qb.DocType("Incident")
	samples = []
	for _ in range(20):
		started = time.perf_counter()
		(
			frappe.qb.from_(incident)
			.select(incident.engineer, Count("*"))
			.where(incident.status.isin(list(OPEN_STATUSES)))
			.where(incident.engineer.isin(engineers))
			.groupby(incident.engineer)
			.run()
		)
		samples.append((time.perf_counter() - started) * 1000)
	return statistics.median(samples)


def main():
	connect()
	import frappe

	from xnet_helpdesk.business_hours.centers import clear_center_cache

	frappe.db.rollback()
	try:
		frappe.db.set_single_value("Helpdesk Settings", "assign_from_other_centers", 1)
		centers, engineers = insert_world(frappe)
		clear_center_cache()
		results = {}
		inserted = 0
		for total in (10_000, 100_000):
			insert_incidents(frappe, centers, engineers, total - inserted, inserted)
			inserted = total
			results[total] = (*time_scenarios(frappe, centers), time_naive_counts(frappe, engineers))
	finally:
		frappe.db.rollback()
		clear_center_cache()
		frappe.clear_document_cache("Helpdesk Settings", "Helpdesk Settings")
	print(
		f"assignment decision (median of {DECISIONS}), {ENGINEERS} engineers in {CENTERS} centers, all centers allowed"
	)
	for total, (own, other, nobody, naive) in results.items():
		print(
			f"  {total:>7,} open incidents: own center {own:5.2f} ms | next-nearest center {other:5.2f} ms"
			f" | nobody free {nobody:5.2f} ms | baseline per-engineer COUNT {naive:7.2f} ms"
		)
	small, large = results[10_000], results[100_000]
	print(
		"  ratio 100k/10k: own {:.2f}x, next-nearest {:.2f}x, nobody free {:.2f}x; baseline COUNT {:.2f}x"
		" (open incidents grew 10x)".format(*(b / a for a, b in zip(small, large, strict=True)))
	)


if __name__ == "__main__":
	main()
