"""The client portal over real HTTP against gunicorn, side by side with Frappe's /about and ping.

One run, one gunicorn (2 sync workers, --preload, cwd sites/, the site chosen by the Host header as
frappe.app does), 20 concurrent clients per endpoint with wrk (Debian's wrk; a bounded Python load loop
when wrk is missing). Measured: requests/s, payload size, p50/p95 latency, and the ratios the portal
is held to:
  - the lookup page GET /support          >= 3 x /about req/s, payload <= 60 KB
  - the rating submission (signed link)   >= 0.5 x /api/method/ping req/s
The rating requests cycle 3-4-5 stars over 40 resolved incidents, each a real submission: the signed
link is verified, the incident's state read, the rating queued for the background job that stores it
through the Engineer Rating controller (the job is not part of the request, so not of the figure).
Run: scripts/bench-exec python benchmarks/portal_http.py   (XNET_BENCH_SITE to choose the site)
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import requests
from _site import BENCH, connect

CONNECTIONS = 20
DURATION = int(os.environ.get("XNET_BENCH_SECONDS", "10"))
INCIDENTS = 40
RATE_METHOD = "/api/method/xnet_helpdesk.portal.api.rate"

WRK_SCRIPT = """
local bodies = {%(bodies)s}
local counter = 0
request = function()
	counter = counter + 1
	local body = bodies[(counter %% #bodies) + 1]
	return wrk.format(%(method)s, %(path)s, {["Content-Type"] = "application/x-www-form-urlencoded", ["Host"] = %(host)s}, body)
end
done = function(summary, latency, requests)
	io.write(string.format("XNET %%d %%d %%d %%.2f %%.2f %%.2f\\n", summary.requests, summary.errors.status,
		summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
		summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
"""


def free_port() -> int:
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		return sock.getsockname()[1]


def prepare(frappe, site) -> list[str]:
	from tests.harness.states import bring_to
	from tests.harness.world import build, make_incident
	from xnet_helpdesk.links.incident_links import make_token

	world = build()
	tokens, names = [], []
	for index in range(INCIDENTS):
		engineer = world["users"]["kar_engineer" if index % 2 else "kar_engineer2"]
		doc = make_incident(world, "karmet_client", subject=f"BENCH portal {index}")
		doc = bring_to(doc, "Resolved", engineer)
		names.append(doc.name)
		tokens.append(make_token(doc.name))
	frappe.db.commit()
	return names, tokens


def start_gunicorn(site: str, port: int):
	process = subprocess.Popen(
		[
			str(BENCH / "env/bin/gunicorn"),
			"-w",
			"2",
			"-b",
			f"127.0.0.1:{port}",
			"frappe.app:application",
			"--preload",
		],
		cwd=BENCH / "sites",
		stdout=subprocess.DEVNULL,
		stderr=subprocess.DEVNULL,
		start_new_session=True,
	)
	deadline = time.monotonic() + 60
	while time.monotonic() < deadline:
		try:
			if requests.get(f"http://127.0.0.1:{port}/api/method/ping", headers={"Host": site}, timeout=2).ok:
				return process
		except requests.ConnectionError:
			time.sleep(0.3)
	os.killpg(process.pid, signal.SIGTERM)
	raise RuntimeError("gunicorn did not start")


def lua_string(text: str) -> str:
	return json.dumps(text)


def run_wrk(base, site, method, path, bodies) -> dict:
	script = WRK_SCRIPT % {
		"bodies": ", ".join(lua_string(body) for body in bodies) or '""',
		"method": lua_string(method),
		"path": lua_string(path),
		"host": lua_string(site),
	}
	with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
		handle.write(script)
	try:
		output = subprocess.run(
			["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--timeout", "10s", "-s", handle.name, base],
			capture_output=True,
			text=True,
			check=True,
		).stdout
	finally:
		os.unlink(handle.name)
	match = re.search(r"XNET (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+)", output)
	count, bad_status, socket_errors, seconds, p50, p95 = match.groups()
	return {
		"rps": int(count) / float(seconds),
		"errors": int(bad_status) + int(socket_errors),
		"p50": float(p50),
		"p95": float(p95),
	}


def run_python(base, site, method, path, bodies) -> dict:
	"""A bounded load loop: CONNECTIONS threads for DURATION seconds."""
	latencies, errors, stop = [], [0], time.monotonic() + DURATION
	lock = threading.Lock()

	def worker(offset):
		session, index = requests.Session(), offset
		while time.monotonic() < stop:
			body = bodies[index % len(bodies)] if bodies else None
			index += CONNECTIONS
			started = time.perf_counter()
			response = session.request(
				method,
				base + path,
				data=body,
				timeout=10,
				headers={"Host": site, "Content-Type": "application/x-www-form-urlencoded"},
			)
			elapsed = (time.perf_counter() - started) * 1000
			with lock:
				latencies.append(elapsed)
				if response.status_code >= 400:
					errors[0] += 1

	started = time.monotonic()
	threads = [threading.Thread(target=worker, args=(i,)) for i in range(CONNECTIONS)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	latencies.sort()
	return {
		"rps": len(latencies) / (time.monotonic() - started),
		"errors": errors[0],
		"p50": latencies[len(latencies) // 2],
		"p95": latencies[int(len(latencies) * 0.95)],
	}


def payload(base, site, method, path, body) -> int:
	response = requests.request(
		method,
		base + path,
		data=body,
		timeout=10,
		headers={"Host": site, "Content-Type": "application/x-www-form-urlencoded"},
	)
	assert response.status_code == 200, (path, response.status_code, response.text[:300])
	return len(response.content)


def main():
	site = connect(default_site="xnet-portal.localhost")
	# the portal tests' clean-up: incidents, their ratings and any rating still pending in Redis
	from urllib.parse import urlencode

	import frappe

	from tests.site.portal_helpers import cleanup

	names, tokens = prepare(frappe, site)
	port = free_port()
	base = f"http://127.0.0.1:{port}"
	server = start_gunicorn(site, port)
	load = run_wrk if shutil.which("wrk") else run_python
	rate_bodies = [urlencode({"token": token, "stars": 3 + i % 3}) for i, token in enumerate(tokens * 3)]
	endpoints = [
		("Frappe /about", "GET", "/about", []),
		("Frappe ping", "GET", "/api/method/ping", []),
		("portal lookup page /support", "GET", "/support", []),
		("portal rating POST (signed link)", "POST", RATE_METHOD, rate_bodies),
	]
	results = {}
	try:
		for label, method, path, bodies in endpoints:
			size = payload(base, site, method, path, bodies[0] if bodies else None)
			payload(base, site, method, path, bodies[1] if bodies else None)  # warm both workers' caches
			results[label] = {"bytes": size, **load(base, site, method, path, bodies)}
	finally:
		os.killpg(server.pid, signal.SIGTERM)
		server.wait(timeout=20)
		cleanup(names)

	print(
		f"\nportal_http: gunicorn -w 2 --preload, {CONNECTIONS} concurrent clients, {DURATION} s each, {load.__name__}"
	)
	print(f"{'endpoint':36} {'req/s':>9} {'payload':>10} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
	for label, row in results.items():
		print(
			f"{label:36} {row['rps']:9.1f} {row['bytes'] / 1024:8.1f}KB {row['p50']:8.1f} {row['p95']:8.1f} {row['errors']:7d}"
		)
	about, ping = results["Frappe /about"], results["Frappe ping"]
	lookup, rating = results["portal lookup page /support"], results["portal rating POST (signed link)"]
	lookup_ratio = lookup["rps"] / about["rps"]
	rating_ratio = rating["rps"] / ping["rps"]
	print(
		f"\nlookup page / about   req/s ratio: {lookup_ratio:5.2f}x  (target >= 3x)   payload {lookup['bytes'] / 1024:.1f} KB (target <= 60 KB)"
	)
	print(f"rating POST / ping    req/s ratio: {rating_ratio:5.2f}x  (target >= 0.5x)")
	met = lookup_ratio >= 3 and lookup["bytes"] <= 60 * 1024 and rating_ratio >= 0.5
	print("targets met" if met else "TARGETS NOT MET")
	return 0 if met else 1


if __name__ == "__main__":
	sys.exit(main())
