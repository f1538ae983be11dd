"""SCIM over real HTTP against gunicorn, as ratios to Frappe's /api/method/ping in the same run.

One gunicorn (2 sync workers, --preload), 4 parallel clients (threads, a requests.Session each). For N users
(--users, 10,000 in the issue's figure): N pings, N POST /Users, N GET /Users?filter=userName eq, N PATCH
(Entra's form: Replace title, active "False"). Printed: req/s and p95 per phase, and each as a ratio to ping.
The company, its source and its contacts are removed afterwards.
Run: XNET_BENCH_SITE=<a test site> scripts/bench-exec python benchmarks/scim_http.py [--users 10000]
"""

import argparse
import os
import signal
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests
from _site import connect
from portal_http import free_port, start_gunicorn

CLIENTS = 4
COMPANY = "BENCH SCIM KarMet"


def setup(frappe) -> str:
	cleanup(frappe)
	center = frappe.get_all("Service Center", pluck="name", limit=1)[0]
	frappe.get_doc({"doctype": "Client Company", "company_name": COMPANY, "service_center": center}).insert()
	source = frappe.get_doc(
		{
			"doctype": "Directory Source",
			"source_name": COMPANY,
			"client_company": COMPANY,
			"feed": "SCIM Push",
		}
	).insert()
	token = source.generate_scim_token()["token"]
	frappe.db.commit()
	return token


def cleanup(frappe) -> None:
	"""The company, its sources, their logs and contacts: the directory tests' own cleanup."""
	from tests.harness.directory_cleanup import remove_companies

	remove_companies(COMPANY)


def run(calls, work) -> tuple[float, float, list]:
	"""`work(session, i)` for i in calls over CLIENTS threads: (req/s, p95 ms, results)."""
	sessions = [requests.Session() for _ in range(CLIENTS)]
	latencies, results = [], [None] * len(calls)

	def one(index):
		session = sessions[index % CLIENTS]
		started = time.perf_counter()
		results[index] = work(session, calls[index])
		latencies.append(time.perf_counter() - started)

	started = time.perf_counter()
	with ThreadPoolExecutor(CLIENTS) as pool:
		list(pool.map(one, range(len(calls))))
	elapsed = time.perf_counter() - started
	p95 = statistics.quantiles(latencies, n=20)[-1] * 1000
	return len(calls) / elapsed, p95, results


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--users", type=int, default=1000)
	users = parser.parse_args().users
	import frappe

	site = connect()
	token = setup(frappe)
	port = free_port()
	server = start_gunicorn(site, port)
	base = f"http://127.0.0.1:{port}"
	scim = {"Host": site, "Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}
	tag = uuid.uuid4().hex[:6]
	logins = [f"b{tag}{i}@karmet.kz" for i in range(users)]

	def ping(session, _):
		assert session.get(base + "/api/method/ping", headers={"Host": site}, timeout=60).ok

	def post(session, login):
		body = {
			"userName": login,
			"name": {"givenName": "Бенч", "familyName": login.split("@")[0]},
			"emails": [{"value": login, "type": "work", "primary": True}],
			"phoneNumbers": [{"value": "8 (7212) 50-52-52", "type": "work"}],
			"active": True,
		}
		response = session.post(base + "/scim/v2/Users", json=body, headers=scim, timeout=60)
		assert response.status_code == 201, response.text
		return response.json()["id"]

	def find(session, login):
		params = {"filter": f'userName eq "{login}"'}
		response = session.get(base + "/scim/v2/Users", params=params, headers=scim, timeout=60)
		assert response.json()["totalResults"] == 1, response.text
		return response.json()["Resources"][0]["id"]

	def patch(session, user_id):
		body = {
			"Operations": [
				{"op": "Replace", "path": "title", "value": "Инженер"},
				{"op": "Replace", "path": "active", "value": "False"},
			]
		}
		response = session.patch(base + f"/scim/v2/Users/{user_id}", json=body, headers=scim, timeout=60)
		assert response.status_code == 200, response.text

	try:
		run(list(range(50)), ping)  # warm both workers
		figures = {"ping": run(list(range(users)), ping)[:2]}
		rate, p95, ids = run(logins, post)
		figures["POST /Users"] = (rate, p95)
		rate, p95, _ = run(logins, find)
		figures["GET /Users?filter"] = (rate, p95)
		figures["PATCH /Users/{id}"] = run(ids, patch)[:2]
	finally:
		os.killpg(server.pid, signal.SIGTERM)
		cleanup(frappe)
	ping_rate, ping_p95 = figures["ping"]
	print(f"\nscim_http: gunicorn -w 2 --preload, {CLIENTS} parallel clients, {users} users")
	print(f"{'phase':<20} {'req/s':>8} {'p95 ms':>8} {'req/s ÷ ping':>13} {'p95 ÷ ping':>11}")
	for phase, (rate, p95) in figures.items():
		print(f"{phase:<20} {rate:8.1f} {p95:8.1f} {rate / ping_rate:13.2f} {p95 / ping_p95:11.2f}")


if __name__ == "__main__":
	main()
