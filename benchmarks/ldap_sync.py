"""Directory sync benchmark: slapd with 10,000 and 50,000 people -> Contacts of one client company.

Prints, per directory size: first-import time, re-sync time with nothing changed, and memory: the
growth of the process's peak RSS during the syncs and the Python heap peak (tracemalloc) of a re-sync.
Targets (issue 6): first import of 10,000 < 60 s, unchanged re-sync < 10 s, memory flat in size.

    cd /work/main && XNET_TEST_SITE=xnet-ldap.localhost \\
        scripts/bench-exec python benchmarks/ldap_sync.py [--sizes 10000 50000]

Each size runs in its own process (a clean peak RSS) against its own slapd and its own company,
removed afterwards. Not part of the test run: figures are printed, never asserted.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT))

from tests.harness.slapd import Slapd, User, ou_ldif, user_ldif

COMPANY = "BENCH DIR Company"
GIVEN = ["Алексей", "Гульнара", "Серік", "Ольга", "Дархан", "Айгерим", "Иван", "Мадина", "Ержан", "Светлана"]
SURNAMES = ["Иванов", "Нурланова", "Ахметов", "Петрова", "Смагулов", "Жумабаева", "Ким", "Ли", "Сейткали"]
DEPARTMENTS = ["Бухгалтерия", "Отдел ИТ", "Цех №1", "Цех №2", "Склад", "Приёмная", "Юридический отдел"]
OUS = [
	("Karaganda", "Users"),
	("IT", "Karaganda", "Users"),
	("Temirtau", "Users"),
	("Shop2", "Temirtau", "Users"),
]


def people(count: int, seed: int = 6):
	rng = random.Random(seed)
	for index in range(count):
		given, surname = rng.choice(GIVEN), rng.choice(SURNAMES)
		yield User(
			f"user{index:06d}",
			given,
			f"{surname}{index}",
			rng.choice(OUS),
			mail=f"user{index:06d}@bench-dir.kz",
			phones=(f"+7 7212 {index % 100:02d}-{index // 100 % 100:02d}-{index // 10000:02d}",),
			mobiles=(f"8 701 {index // 10000 % 1000:03d} {index % 10000 // 100:02d} {index % 100:02d}",),
			department=rng.choice(DEPARTMENTS),
			title="Специалист",
			disabled=rng.random() < 0.05,
		)


def peak_rss_mb() -> float:
	return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_size(count: int) -> dict:
	"""In a child process: one slapd, one company, three syncs."""
	import frappe

	from tests.harness import bench
	from xnet_helpdesk.directory import sync

	bench.connect()
	cleanup()
	with Slapd(size_limit=1000) as server:  # AD's MaxPageSize
		_load_in_a_child(server, count)
		server.start()
		frappe.get_doc(
			{"doctype": "Client Company", "company_name": COMPANY, "service_center": _any_service_center()}
		).insert(ignore_permissions=True)
		source = frappe.get_doc(
			{
				"doctype": "Directory Source",
				"source_name": f"BENCH DIR {count}",
				"client_company": COMPANY,
				"server_url": server.url,
				"bind_dn": server.bind_dn,
				"bind_password": server.bind_password,
				"base_dn": server.base_dn,
				"user_filter": "(objectClass=inetOrgPerson)",
				"page_size": 1000,
				"sync_frequency": "Manual only",
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		try:
			rss_before = peak_rss_mb()
			started = time.perf_counter()
			first_log = frappe.get_doc("Directory Sync Log", sync.run_sync(source.name))
			first_seconds = time.perf_counter() - started
			started = time.perf_counter()
			second_log = frappe.get_doc("Directory Sync Log", sync.run_sync(source.name))
			second_seconds = time.perf_counter() - started
			rss_growth = peak_rss_mb() - rss_before
			tracemalloc.start()
			sync.run_sync(source.name)
			_, heap_peak = tracemalloc.get_traced_memory()
			tracemalloc.stop()
		finally:
			cleanup()
	return {
		"entries": count,
		"first_import_s": round(first_seconds, 1),
		"first_counts": {k: first_log.get(k) for k in ("created", "skipped", "entries_seen")},
		"first_status": first_log.status,
		"resync_s": round(second_seconds, 2),
		"resync_counts": {k: second_log.get(k) for k in ("unchanged", "updated", "skipped")},
		"peak_rss_growth_mb": round(rss_growth, 1),
		"resync_heap_peak_mb": round(heap_peak / 2**20, 1),
	}


def _load_in_a_child(server: Slapd, count: int) -> None:
	"""Writing the LDIF of 50,000 people takes memory too: a forked child does it, so the peak RSS
	of this process is the sync's own."""
	import multiprocessing

	def load():
		users = people(count)
		first = [next(users) for _ in range(min(count, 1000))]
		server.load_stream(_ldif_chunks(first, users))

	child = multiprocessing.get_context("fork").Process(target=load)
	child.start()
	child.join()
	if child.exitcode != 0:
		raise RuntimeError(f"loading {count} entries into slapd failed")


def _ldif_chunks(first, rest, chunk: int = 20000):
	from itertools import islice

	yield ou_ldif([User("x", "x", "x", ou) for ou in OUS]) + "".join(user_ldif(u) for u in first)
	while block := list(islice(rest, chunk)):
		yield "".join(user_ldif(u) for u in block)


def _any_service_center() -> str:
	import frappe

	name = frappe.db.get_value("Service Center", {}, "name")
	if name:
		return name
	return (
		frappe.get_doc(
			{
				"doctype": "Service Center",
				"center_name": "BENCH Center",
				"city": "Караганда",
				"time_zone": "Asia/Almaty",
				"working_hours": [
					{"weekday": d, "start_time": "09:00", "end_time": "18:00"}
					for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
				],
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def cleanup() -> None:
	"""Bulk removal (a benchmark's 50,000 contacts one delete_doc at a time would take longer than the sync)."""
	import frappe

	frappe.db.rollback()
	sources = frappe.get_all("Directory Source", {"client_company": COMPANY}, pluck="name")
	if sources:
		contact = frappe.qb.DocType("Contact")
		names = frappe.qb.from_(contact).select(contact.name).where(contact.directory_source.isin(sources))
		for child in ("Contact Email", "Contact Phone", "Dynamic Link"):
			table = frappe.qb.DocType(child)
			frappe.qb.from_(table).delete().where(table.parenttype == "Contact").where(
				table.parent.isin(names)
			).run()
		frappe.qb.from_(contact).delete().where(contact.directory_source.isin(sources)).run()
		for log in frappe.get_all("Directory Sync Log", {"directory_source": ["in", sources]}, pluck="name"):
			frappe.delete_doc("Directory Sync Log", log, force=True, ignore_permissions=True)
		for source in sources:
			frappe.delete_doc("Directory Source", source, force=True, ignore_permissions=True)
	if frappe.db.exists("Client Company", COMPANY):
		frappe.delete_doc("Client Company", COMPANY, force=True, ignore_permissions=True)
	frappe.db.commit()


def main() -> None:
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 50000])
	parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
	args = parser.parse_args()
	if args.child:
		print(json.dumps(run_size(args.child)))
		return
	results = []
	for count in args.sizes:
		output = subprocess.run(
			[sys.executable, __file__, "--child", str(count)],
			capture_output=True,
			text=True,
			env=os.environ,
			check=False,
		)
		if output.returncode != 0:
			sys.exit(f"size {count} failed:\n{output.stdout[-3000:]}\n{output.stderr[-3000:]}")
		results.append(json.loads(output.stdout.strip().splitlines()[-1]))
		print(json.dumps(results[-1], ensure_ascii=False))
	print()
	print("| entries | first import | per 1,000 | unchanged re-sync | peak RSS growth | re-sync heap peak |")
	print("|---:|---:|---:|---:|---:|---:|")
	for r in results:
		print(
			f"| {r['entries']:,} | {r['first_import_s']} s | {r['first_import_s'] / r['entries'] * 1000:.2f} s "
			f"| {r['resync_s']} s | {r['peak_rss_growth_mb']} MB | {r['resync_heap_peak_mb']} MB |"
		)
	if len(results) > 1:
		a, b = results[0], results[-1]
		print(
			f"\n{b['entries'] // a['entries']}x the entries: first import x{b['first_import_s'] / a['first_import_s']:.1f}, "
			f"re-sync x{b['resync_s'] / a['resync_s']:.1f}, re-sync heap peak x{b['resync_heap_peak_mb'] / max(a['resync_heap_peak_mb'], 0.1):.1f}"
		)


if __name__ == "__main__":
	main()
