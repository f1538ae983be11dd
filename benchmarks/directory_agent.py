"""The on-site directory agent, measured: slapd (AD-like, uSNChanged numbered as AD numbers changes) ->
the agent in its own process (`python -m xnet_directory_agent … once`, 4 parallel requests, batches of 200)
-> gunicorn (2 workers) -> SCIM -> Contacts. Per directory size: the first push (every entry), an
incremental push of 100 changed entries on top, and a reconciliation with nothing to disable; wall time and
the agent process's peak RSS (wait4's ru_maxrss) for each, so 1,000 against 10,000 shows whether memory is
flat. Figures are printed, never asserted.

    XNET_BENCH_SITE=<a test site> scripts/bench-exec python benchmarks/directory_agent.py [--sizes 1000 10000]
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

import ldap3
from _site import connect
from ldap_sync import OUS, people
from portal_http import free_port, start_gunicorn

CHECKOUT = Path(__file__).resolve().parents[1]
AGENT_DIR = CHECKOUT / "agent"
sys.path.insert(0, str(CHECKOUT))

from tests.harness.slapd import Slapd, User, ou_ldif, user_ldif

COMPANY = "BENCH AGENT KarMet"
CHANGES = 100


def setup(frappe, count: int) -> tuple[str, str]:
	cleanup(frappe)
	center = frappe.get_all("Service Center", pluck="name", limit=1)[0]
	frappe.get_doc({"doctype": "Client Company", "company_name": COMPANY, "service_center": center}).insert()
	source = frappe.get_doc(
		{
			"doctype": "Directory Source",
			"source_name": f"{COMPANY} {count}",
			"client_company": COMPANY,
			"feed": "On-site Agent",
		}
	).insert()
	token = source.generate_scim_token()["token"]
	frappe.db.commit()
	return source.name, token


def cleanup(frappe) -> None:
	"""The company, its sources, their logs and contacts: the directory tests' own cleanup."""
	from tests.harness.directory_cleanup import remove_companies

	remove_companies(COMPANY)


def load(server: Slapd, count: int) -> list[str]:
	"""The people of ldap_sync's benchmark, each with its uSNChanged; returns the first DNs to change."""
	users = people(count)
	usn = 0
	changed = []
	first = True
	while block := list(islice(users, 20000)):
		text = ou_ldif([User("x", "x", "x", ou) for ou in OUS]) if first else ""
		first = False
		for user in block:
			usn += 1
			text += user_ldif(user, usn)
			if len(changed) < CHANGES and not user.disabled:
				changed.append(user.dn)
		server._slapadd(text)
	server.highest_usn = usn
	return changed


def write_config(folder: Path, server: Slapd, url: str, token: str) -> Path:
	(folder / "token").write_text(token)
	(folder / "bind-password").write_text(server.bind_password)
	(folder / "ca.pem").write_text(server.ca_pem)
	path = folder / "agent.ini"
	path.write_text(
		f"""[helpdesk]
url = {url}
token_file = token
agent_id = bench
[directory]
url = {server.url}
start_tls = true
ca_file = ca.pem
bind_dn = {server.bind_dn}
password_file = bind-password
base_dn = {server.base_dn}
user_filter = (objectClass=inetOrgPerson)
page_size = 1000
[schedule]
batch_size = 200
workers = 4
[state]
path = {folder / "state.json"}
"""
	)
	return path


# gunicorn serves the site its Host header names, and *.localhost does not resolve here: the agent's
# process gets a sitecustomize that sends *.localhost to 127.0.0.1 (a client's DNS does this for real)
RESOLVER = """
import socket
_getaddrinfo = socket.getaddrinfo
def _local(host, *args, **kwargs):
	if isinstance(host, str) and host.endswith(".localhost"):
		host = "127.0.0.1"
	return _getaddrinfo(host, *args, **kwargs)
socket.getaddrinfo = _local
"""


# the agent's own peak: VmHWM of its memory map, read as it exits (wait4's ru_maxrss would include the
# forked copy of this process, Frappe loaded, from before the exec)
LAUNCH = """
import atexit, runpy, sys
def peak():
	for line in open("/proc/self/status"):
		if line.startswith("VmHWM:"):
			sys.stderr.write("XNET_VMHWM_KB " + line.split()[1] + "\\n")
atexit.register(peak)
sys.argv = ["xnet_directory_agent", "--config", sys.argv[1], sys.argv[2]]
runpy.run_module("xnet_directory_agent", run_name="__main__", alter_sys=True)
"""


def agent(config: Path, command: str) -> tuple[float, float]:
	"""(wall seconds, peak RSS MB) of one agent process: `python -m xnet_directory_agent` as installed."""
	(config.parent / "sitecustomize.py").write_text(RESOLVER)
	started = time.perf_counter()
	result = subprocess.run(
		[sys.executable, "-c", LAUNCH, str(config), command],
		cwd=AGENT_DIR,
		env={**os.environ, "PYTHONPATH": f"{AGENT_DIR}:{config.parent}"},
		stdout=subprocess.DEVNULL,
		stderr=subprocess.PIPE,
		text=True,
	)
	seconds = time.perf_counter() - started
	if result.returncode != 0:
		raise RuntimeError(f"agent {command} failed:\n{result.stderr[-3000:]}")
	peak = [line.split()[1] for line in result.stderr.splitlines() if line.startswith("XNET_VMHWM_KB ")]
	return seconds, int(peak[-1]) / 1024


def run_size(frappe, count: int, base: str) -> dict:
	source, token = setup(frappe, count)
	figures = {}
	try:
		with Slapd(size_limit=1000) as server, tempfile.TemporaryDirectory() as folder:
			to_change = load(server, count)
			server.start()
			config = write_config(Path(folder), server, base, token)
			figures["first push"] = agent(config, "once")
			frappe.db.rollback()
			figures["contacts"] = frappe.db.count("Contact", {"directory_source": source})
			connection = server.admin_connection()
			for dn in to_change:
				server.highest_usn += 1
				connection.modify(
					dn,
					{
						"title": [(ldap3.MODIFY_REPLACE, ["Ведущий специалист"])],
						"uSNChanged": [(ldap3.MODIFY_REPLACE, [str(server.highest_usn)])],
					},
				)
			connection.unbind()
			figures[f"incremental ({CHANGES} changed)"] = agent(config, "once")
			frappe.db.rollback()
			figures["changed"] = frappe.db.count(
				"Contact", {"directory_source": source, "designation": "Ведущий специалист"}
			)
			figures["reconcile (nothing vanished)"] = agent(config, "reconcile")
	finally:
		cleanup(frappe)
	return figures


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
	sizes = parser.parse_args().sizes
	import frappe

	site = connect()
	port = free_port()
	server = start_gunicorn(site, port)
	results = {}
	try:
		for count in sizes:
			# the agent speaks to the site by its name; gunicorn on loopback serves it by the Host header
			results[count] = run_size(frappe, count, f"http://{site}:{port}")
			print(count, results[count], flush=True)
	finally:
		os.killpg(server.pid, signal.SIGTERM)
	print("\ndirectory_agent: gunicorn -w 2, agent with 4 parallel requests, batches of 200, pages of 1000")
	print(f"{'entries':>8} {'phase':<30} {'wall s':>8} {'peak RSS MB':>12}")
	for count, figures in results.items():
		for phase, value in figures.items():
			if isinstance(value, tuple):
				print(f"{count:>8} {phase:<30} {value[0]:8.1f} {value[1]:12.1f}")
		print(
			f"{count:>8} contacts created {figures['contacts']}, changed by the increment {figures['changed']}"
		)


if __name__ == "__main__":
	main()
