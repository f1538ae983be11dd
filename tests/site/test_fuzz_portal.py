"""Every client-facing portal input fuzzed over real HTTP (Hypothesis, tests/harness/bad_values.py): the
lookup, the actions of a signed link (message, reopen, confirm, rate), the registration form of a logged-in
client, and the pages' query parameters. Each answer is a clear 4xx or a stored value that is safe to show,
never a 500, and a refused request leaves every table as it was."""

import frappe
import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from tests.harness.bad_values import FUZZ, active_markup, bad_text, bad_value
from tests.site.portal_helpers import (
	committed_incident,
	reset_message_limits,
	reset_rate_limits,
	reset_registration_limits,
	token_for,
)

API = "/api/method/xnet_helpdesk.portal.api."
COUNTED = ("Incident", "Communication", "Comment", "Engineer Rating", "File", "Version", "Email Queue")


def counts() -> dict:
	frappe.db.rollback()  # a fresh snapshot: what the server committed
	return {doctype: frappe.db.count(doctype) for doctype in COUNTED}


def post(session, server, method, params: dict, as_json: bool, headers=None):
	"""The parameters as a JSON body (any JSON type) or as a form (strings only, as a browser sends)."""
	headers = {"Accept": "application/json", **(headers or {})}
	url = server.base + API + method
	if as_json:
		return session.post(url, json=params, headers=headers, timeout=60)
	form = {key: value for key, value in params.items() if isinstance(value, str)}
	return session.post(url, data=form, headers=headers, timeout=60)


def assert_clear_answer(response, before: dict):
	"""A 2xx, or a 4xx with a message and nothing stored; never a 5xx."""
	assert response.status_code < 500, response.text[:2000]
	if response.status_code >= 400:
		body = response.json()
		assert body.get("_server_messages") or body.get("exception") or body.get("exc_type"), body
		assert counts() == before


def params_of(**fields):
	"""Each field left out, a good value, or a bad one."""
	return st.fixed_dictionaries({}, optional={name: value | bad_value for name, value in fields.items()})


@FUZZ
@given(params=params_of(number=st.just("INC-2026-00001"), contact=st.just("a@b.kz")), as_json=st.booleans())
def test_lookup(server, params, as_json):
	reset_rate_limits()
	before = counts()
	response = post(requests.Session(), server, "lookup", params, as_json)
	assert_clear_answer(response, before)
	if response.ok:
		assert response.json()["message"]["found"] is False
	reset_rate_limits()


def test_lookup_with_a_list_or_object_is_no_500(server):
	"""Regression: a JSON list or object as the number reached .strip() (500). The annotations refuse a value
	of the wrong type by name (Frappe's 417) before the method runs; null is a number left empty."""
	for number in (["INC-2026-00001"], {"a": 1}, 17):
		response = requests.post(
			server.base + API + "lookup", json={"number": number, "contact": "a@b.kz"}, timeout=30
		)
		assert response.status_code == 417, response.text[:500]
		assert "number" in response.json()["exception"]
	response = requests.post(
		server.base + API + "lookup", json={"number": None, "contact": "a@b.kz"}, timeout=30
	)
	assert response.status_code == 200 and response.json()["message"]["found"] is False


@pytest.fixture(scope="module")
def link_incidents(world, names):
	"""An incident in work (messages) and a resolved one (reopen, confirm, rate), with their signed links."""
	made = {
		"open": committed_incident(world, names, "In Progress"),
		"resolved": committed_incident(world, names, "Resolved"),
	}
	frappe.db.rollback()
	yield {key: (doc.name, token_for(doc.name)) for key, doc in made.items()}
	reset_message_limits()
	frappe.db.delete("Engineer Rating", {"incident": made["resolved"].name})
	frappe.db.delete("Communication", {"reference_doctype": "Incident", "reference_name": made["open"].name})
	frappe.db.commit()


GOOD = {
	"write": ("open", {"text": st.just("Принтер снова не печатает")}),
	"reopen": ("resolved", {"reason": st.just("Снова не работает")}),
	"confirm": ("resolved", {}),
	"rate": ("resolved", {"stars": st.just("4"), "comment": st.just("Спасибо"), "source": st.just("email")}),
}


@pytest.mark.parametrize("method", sorted(GOOD))
def test_signed_link_actions(server, link_incidents, method):
	"""The message, reopen, confirm and rate of a signed link with bad values in every parameter."""
	which, fields = GOOD[method]
	incident, token = link_incidents[which]

	@FUZZ
	@given(
		params=params_of(token=st.just(token), incident=st.just(incident), **fields),
		as_json=st.booleans(),
		ip=st.integers(1, 250),
	)
	def fuzz(params, as_json, ip):
		reset_message_limits()
		before = counts()
		response = post(
			requests.Session(), server, method, params, as_json, {"X-Forwarded-For": f"10.77.0.{ip}"}
		)
		assert_clear_answer(response, before)
		if response.ok:
			assert_safe_outcome(method, incident)

	fuzz()


def assert_safe_outcome(method: str, incident: str):
	frappe.db.rollback()
	if method == "write":
		message = frappe.get_all(
			"Communication",
			filters={"reference_doctype": "Incident", "reference_name": incident},
			fields=["content", "text_content"],
			order_by="creation desc",
			limit=1,
		)[0]
		assert not active_markup(message.content) and "\x00" not in message.text_content
	elif method == "reopen":
		reason = frappe.db.get_value("Incident", incident, "reopen_reason")
		assert not active_markup(reason) and "\x00" not in (reason or "")
	elif method == "rate":
		# stored in the request (Engineer Rating, named after its incident)
		rating = frappe.db.get_value("Engineer Rating", incident, ["stars", "comment"], as_dict=True)
		assert rating and 1 <= rating.stars <= 5
		assert not active_markup(rating.comment) and "\x00" not in (rating.comment or "")


@FUZZ
@given(
	params=params_of(
		subject=st.just("Не печатает принтер"),
		description=st.just("Принтер HP пишет «Замятие бумаги»."),
		phone=st.just("8 (701) 555-12-34"),
		category=bad_text,
		global_problem=bad_text,
		submission=bad_text,
	),
	file_name=st.none() | bad_text,
	how=st.sampled_from(["api form", "api json", "page"]),
)
def test_registration_form(server, world, karmet, names, params, file_name, how):
	"""Through api.register (a form, or a JSON body with any types) and the page's own POST (no JavaScript)."""
	reset_registration_limits()
	before = counts()
	files = [("attachments", (file_name[:300], b"x", "text/plain"))] if file_name else None
	form = {key: value for key, value in params.items() if isinstance(value, str)}
	headers = {"Accept": "application/json", "X-Frappe-CSRF-Token": karmet.csrf}
	if how == "page":
		response = karmet.http.post(
			server.base + "/support/new",
			data={**form, "csrf_token": karmet.csrf},
			files=files,
			timeout=60,
			allow_redirects=False,
		)
		assert response.status_code < 500, response.text[:2000]
		registered = response.status_code == 303
		if not registered:
			assert counts() == before
		name = registered and response.headers["Location"].rsplit("registered=", 1)[1]
	else:
		if how == "api json":
			response = karmet.http.post(
				server.base + API + "register", json=params, headers=headers, timeout=60
			)
		else:
			response = karmet.http.post(
				server.base + API + "register", data=form, files=files, headers=headers, timeout=60
			)
		assert_clear_answer(response, before)
		name = response.ok and response.json()["message"]["name"]
	if name:
		names.append(name)
		frappe.db.rollback()
		stored = frappe.db.get_value(
			"Incident", name, ["subject", "description", "contact_phone"], as_dict=True
		)
		assert not active_markup(stored.subject) and not active_markup(stored.description)
		assert "\x00" not in stored.subject + stored.description
	reset_registration_limits()


@FUZZ
@given(
	path=st.sampled_from(["/support", "/support/my", "/support/new", "/support/incident"]),
	query=st.dictionaries(
		st.sampled_from(["name", "t", "stars", "status", "q", "page", "registered", "_lang"]),
		bad_text,
		max_size=3,
	),
	logged_in=st.booleans(),
)
def test_page_parameters(server, karmet, path, query, logged_in):
	session = karmet.http if logged_in else requests.Session()
	query = {key: value[:3000] for key, value in query.items()}
	response = session.get(server.base + path, params=query, timeout=60, allow_redirects=False)
	assert response.status_code < 500, response.text[:2000]
	if response.status_code == 200:
		assert not any(
			value in response.text for value in query.values() if active_markup(value) and len(value) > 8
		)
