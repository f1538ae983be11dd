"""Telephony benchmark (issue 14). Not part of the test run: figures are printed, never asserted.

1. Caller identification with 1,000 and with 100,000 contact phones: the median time of one lookup
   (telephony/identify.py, the indexed E.164 column), beside the old find-by-tail LIKE scan measured in the
   same run as the baseline that grows.
2. Event -> card visible: a phone system's newCall posted over HTTP until the caller card is shown in an
   operator's Desk (headless Chromium, Frappe's socketio server), p50/p95 over 100 calls, beside the bare
   HTTP round trip of the same POST (the baseline).

    XNET_BENCH=… XNET_TEST_SITE=<a test site> scripts/bench-exec python benchmarks/cti.py [--calls 100]

Everything it makes (contacts "BENCH CTI …", calls) is removed afterwards.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT))

from benchmarks._site import BENCH, connect

PREFIX = "BENCH CTI "


def add_contacts(count: int, start: int) -> None:
	import frappe
	from frappe.query_builder import Parameter

	now = frappe.utils.now_datetime()
	for first in range(start, start + count, 5000):
		rows_contact, rows_phone = [], []
		for index in range(first, min(first + 5000, start + count)):
			name = f"{PREFIX}{index:06d}"
			number = f"+7701{index:07d}"
			rows_contact.append([name, f"Caller {index}", now, now, "Administrator", "Administrator", 0])
			rows_phone.append(
				[frappe.generate_hash(length=12), name, "Contact", "phone_nos", number, number, now, now]
			)
		_insert(
			"Contact",
			["name", "first_name", "creation", "modified", "owner", "modified_by", "disabled"],
			rows_contact,
		)
		_insert(
			"Contact Phone",
			["name", "parent", "parenttype", "parentfield", "phone", "phone_e164", "creation", "modified"],
			rows_phone,
		)
	frappe.db.commit()


def _insert(doctype, fields, values):
	import frappe
	from frappe.query_builder import Parameter

	table = frappe.qb.DocType(doctype)
	row = [Parameter("%s")] * len(fields)
	query = frappe.qb.into(table).columns(*fields).insert(*([row] * len(values)))
	frappe.db.sql(query.get_sql(), [v for entry in values for v in entry])


def remove_contacts() -> None:
	import frappe

	phone, contact = frappe.qb.DocType("Contact Phone"), frappe.qb.DocType("Contact")
	frappe.qb.from_(phone).delete().where(phone.parent.like(PREFIX + "%")).run()
	frappe.qb.from_(contact).delete().where(contact.name.like(PREFIX + "%")).run()
	frappe.db.commit()


def median_lookup(function, numbers) -> float:
	times = []
	for number in numbers:
		started = time.perf_counter()
		function(number)
		times.append(time.perf_counter() - started)
	return statistics.median(times) * 1000


def identification(sizes=(1000, 100_000), lookups=300) -> None:
	import frappe

	from xnet_helpdesk.intake.phone import _by_phone
	from xnet_helpdesk.telephony.identify import contacts_with

	remove_contacts()
	present = 0
	print("identification: median of one lookup (ms)")
	print(f"{'contact phones':>15} {'indexed E.164':>14} {'LIKE %tail (old)':>17}")
	for size in sizes:
		add_contacts(size - present, present)
		present = size
		frappe.db.sql("analyze table `tabContact Phone`")
		step = max(1, size // lookups)
		numbers = [f"+7701{i:07d}" for i in range(0, size, step)][:lookups]
		median_lookup(contacts_with, numbers)  # warm: the same buffer pool for both sizes
		indexed = median_lookup(contacts_with, numbers)
		if size == sizes[-1]:
			plan = frappe.db.sql(
				"explain select parent from `tabContact Phone` where phone_e164 = %s",
				numbers[0],
				as_dict=True,
			)
			print(f"  (plan: key {plan[0].get('key')}, rows {plan[0].get('rows')})")
		scanned = median_lookup(lambda n: _by_phone(n[1:], None), numbers[:30])
		print(f"{size:>15,} {indexed:>14.3f} {scanned:>17.3f}")
	remove_contacts()


def card_latency(calls: int) -> None:
	"""newCall POST -> card shown in the Desk, against the POST's own round trip."""
	import frappe
	from frappe.installer import update_site_config
	from playwright.sync_api import sync_playwright

	from tests.harness.http import Server
	from tests.harness.world import PASSWORD, build
	from tests.site import telephony_helpers as t

	world = build()
	cti = t.build(world)
	port = _free_port()
	previous = frappe.get_file_json(frappe.get_site_path("site_config.json")).get("socketio_port")
	update_site_config("socketio_port", port)
	env = {**os.environ, "FRAPPE_SITE": frappe.local.site, "FRAPPE_SOCKETIO_PORT": str(port)}
	realtime = subprocess.Popen(
		[shutil.which("node"), "apps/frappe/socketio.js"], cwd=BENCH, env=env, stdout=subprocess.DEVNULL
	)
	os.environ["DEV_SERVER"] = "1"
	web = Server(frappe.local.site)
	try:
		with sync_playwright() as playwright:
			browser = playwright.chromium.launch(
				executable_path=shutil.which("chromium"), args=["--no-sandbox", "--disable-gpu"]
			)
			page = browser.new_page()
			page.request.post(
				web.base + "/api/method/login", form={"usr": cti["users"]["cti_kar_op"], "pwd": PASSWORD}
			)
			page.goto(web.base + "/app/incident")
			page.wait_for_function(
				"() => frappe.realtime.socket && frappe.realtime.socket.connected", timeout=30000
			)
			visible, round_trips = [], []
			for _ in range(calls):
				cid = t.call_id()
				sent = time.time() * 1000
				t.new_call(web, cid)
				round_trips.append(time.time() * 1000 - sent)
				page.wait_for_function(
					"() => window.xnet_last_call_card && document.querySelector('.xnet-call-dialog .xnet-call-card')"
				)
				shown = page.evaluate("() => xnet_last_call_card.shown_at")
				visible.append(shown - sent)
				t.hangup(web, cid, cause="noAnswer")
				page.evaluate(
					"() => { document.querySelectorAll('.modal').forEach(m => $(m).modal('hide')); window.xnet_last_call_card = null; }"
				)
				page.wait_for_timeout(50)
			browser.close()
	finally:
		web.stop()
		realtime.terminate()
		update_site_config("socketio_port", previous or "None")
		t.cleanup_calls()
	print(f"event -> card visible over {calls} calls (ms)")
	print(f"  card visible     p50 {_pct(visible, 50):7.1f}  p95 {_pct(visible, 95):7.1f}")
	print(
		f"  POST round trip  p50 {_pct(round_trips, 50):7.1f}  p95 {_pct(round_trips, 95):7.1f}  (baseline)"
	)
	print(f"  ratio p50 {_pct(visible, 50) / _pct(round_trips, 50):.2f}x the bare POST")


def _pct(values, percent):
	ordered = sorted(values)
	return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def _free_port():
	import socket

	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		return sock.getsockname()[1]


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--calls", type=int, default=100)
	parser.add_argument("--skip-card", action="store_true")
	args = parser.parse_args()
	connect()
	identification()
	if not args.skip_card:
		card_latency(args.calls)


if __name__ == "__main__":
	main()
