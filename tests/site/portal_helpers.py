"""Shared by the portal's site and browser tests: committed incidents and logged-in browser-like sessions."""

import re
import time

import frappe
import requests

from tests.harness.states import bring_to
from tests.harness.world import PASSWORD, make_incident

LOOKUP_METHOD = "xnet_helpdesk.portal.api.lookup"


def committed_incident(world, names: list, state: str, client: str = "karmet_client", **values):
	doc = bring_to(make_incident(world, client, **values), state, world["users"]["kar_engineer"])
	frappe.db.commit()
	names.append(doc.name)
	return doc


def cleanup(names: list):
	frappe.db.rollback()
	for name in names:
		frappe.delete_doc("Engineer Rating", name, force=True, ignore_missing=True)
		frappe.delete_doc("Incident", name, force=True, ignore_missing=True)
	frappe.db.commit()


def fresh(doctype, name, *fields):
	"""What the server committed (a new transaction: ours may hold an older snapshot)."""
	frappe.db.rollback()
	return frappe.db.get_value(doctype, name, list(fields), as_dict=True)


def stored_rating(incident: str, *fields):
	"""The rating the server committed (no job runs: an acknowledged rating is stored already)."""
	return fresh("Engineer Rating", incident, *(fields or ("name",)))


def reset_rate_limits():
	frappe.cache.delete_keys(f"rl:{LOOKUP_METHOD}")


def reset_message_limits():
	frappe.cache.delete_keys("rl:xnet_helpdesk.portal.api.write")


def reset_registration_limits():
	from xnet_helpdesk.portal.registration import METHOD

	frappe.cache.delete_keys(f"rl:{METHOD}")


def token_for(incident: str, now: float | None = None) -> str:
	from xnet_helpdesk.links.incident_links import make_token

	return make_token(incident, now=now)


class Browser:
	"""A logged-in website session, sending the CSRF token the way the portal's pages do."""

	def __init__(self, server, email: str | None = None):
		self.server = server
		self.http = requests.Session()
		self.csrf = None
		if email:
			response = self.http.post(
				server.base + "/api/method/login", data={"usr": email, "pwd": PASSWORD}, timeout=30
			)
			assert response.ok, response.text
			page = self.get("/support/my")
			self.csrf = re.search(r'frappe.csrf_token = "([^"]+)"', page.text).group(1)

	def get(self, path, **params):
		return self.http.get(self.server.base + path, params=params, timeout=30, allow_redirects=False)

	def call(self, method, csrf=True, headers=None, files=None, **data):
		headers = dict(headers or {}, Accept="application/json")
		if csrf and self.csrf:
			headers["X-Frappe-CSRF-Token"] = self.csrf
		return self.http.post(
			f"{self.server.base}/api/method/xnet_helpdesk.portal.api.{method}",
			data=data,
			files=files,
			headers=headers,
			timeout=60,
		)

	def post_page(self, path, files=None, **data):
		"""A plain HTML form post, as a browser without JavaScript sends it (the CSRF token as a field)."""
		return self.http.post(
			self.server.base + path, data=data, files=files, timeout=60, allow_redirects=False
		)


def wait_until(check, seconds=5.0):
	deadline = time.monotonic() + seconds
	while time.monotonic() < deadline:
		if check():
			return True
		time.sleep(0.1)
	return check()
