"""A real Frappe web server for the test site, and REST clients authenticated as test users."""

import socket
import subprocess
import time
from dataclasses import dataclass

import requests

from tests.harness import bench


def _free_port() -> int:
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		return sock.getsockname()[1]


class Server:
	def __init__(self, site: str):
		self.port = _free_port()
		self.base = f"http://127.0.0.1:{self.port}"
		self.process = subprocess.Popen(
			[
				str(bench.bench_python()),
				"-m",
				"frappe.utils.bench_helper",
				"frappe",
				"--site",
				site,
				"serve",
				"--port",
				str(self.port),
				"--noreload",
				"--nothreading",
			],
			cwd=bench.bench_path() / "sites",
			stdout=subprocess.DEVNULL,
			stderr=subprocess.DEVNULL,
		)
		deadline = time.monotonic() + 60
		while time.monotonic() < deadline:
			try:
				if requests.get(f"{self.base}/api/method/ping", timeout=2).ok:
					return
			except requests.ConnectionError:
				time.sleep(0.3)
		self.stop()
		raise RuntimeError("the Frappe test server did not start within 60 s")

	def stop(self):
		self.process.terminate()
		try:
			self.process.wait(timeout=10)
		except subprocess.TimeoutExpired:
			self.process.kill()


@dataclass
class Client:
	"""REST as one user, authenticated with that user's API key (as an integration would)."""

	server: Server
	key: str
	secret: str

	def _headers(self):
		return {"Authorization": f"token {self.key}:{self.secret}", "Accept": "application/json"}

	def get(self, path, **params):
		return requests.get(self.server.base + path, params=params, headers=self._headers(), timeout=30)

	def post(self, path, json=None, data=None, headers=None):
		return requests.post(
			self.server.base + path,
			json=json,
			data=data,
			headers={**self._headers(), **(headers or {})},
			timeout=30,
		)

	def put(self, path, json):
		return requests.put(self.server.base + path, json=json, headers=self._headers(), timeout=30)

	def delete(self, path):
		return requests.delete(self.server.base + path, headers=self._headers(), timeout=30)


def api_client(server: Server, user: str) -> Client:
	"""Give the user fresh API credentials (committed, so the server process sees them)."""
	import frappe
	from frappe.core.doctype.user.user import generate_keys

	secret = generate_keys(user)["api_secret"]
	key = frappe.db.get_value("User", user, "api_key")
	frappe.db.commit()
	return Client(server, key, secret)
