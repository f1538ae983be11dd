"""A committed telephony world for the CTI tests: two centers' phone systems, operators on and off duty,
callers with known numbers; events posted over real HTTP; realtime messages read from Redis."""

import hashlib
import hmac
import json
import uuid
from urllib.parse import urlencode

import frappe
import requests

from tests.harness.world import ensure_user

ENDPOINT = "/api/method/xnet_helpdesk.telephony.api.event"
KAR_PBX = "TEST KAR PBX"
ALM_PBX = "TEST ALM PBX"
KAR_TOKEN = "kar-token-" + "k" * 30
ALM_TOKEN = "alm-token-" + "a" * 30
ALM_HMAC = "alm-hmac-secret-0123456789"
KAR_NUMBER = "+7 7212 50 52 52"
ALM_NUMBER = "+7 727 225 52 52"
# callers: a known client, two contacts sharing a switchboard, an unknown one, a blocked one
KNOWN = "+77015550101"
SHARED = "+77212410000"
UNKNOWN = "+77775550199"
BLOCKED = "+77015550666"

OPERATORS = {
	# key -> (center, availability, extension)
	"cti_kar_op": ("TEST Karaganda", "Available", "101"),
	"cti_kar_op2": ("TEST Karaganda", "Busy", "102"),
	"cti_kar_off": ("TEST Karaganda", "Off Duty", "103"),
	"cti_alm_op": ("TEST Almaty", "Available", "201"),
}


def build(world) -> dict:
	"""Idempotent; committed (the web server is another process)."""
	users = {}
	for key, (center, availability, extension) in OPERATORS.items():
		users[key] = ensure_user(key, ["Helpdesk Operator"])
		name = frappe.db.exists("Support Engineer", {"user": users[key]})
		doc = frappe.get_doc("Support Engineer", name) if name else frappe.new_doc("Support Engineer")
		doc.update(
			{
				"user": users[key],
				"service_center": center,
				"support_line": "First Line",
				"capacity": 10,
				"is_active": 1,
				"availability": availability,
				"phone_extension": extension,
			}
		)
		doc.save(ignore_permissions=True)
	_phone_system(KAR_PBX, "TEST Karaganda", KAR_TOKEN, None, [(KAR_NUMBER, "TEST Karaganda")])
	_phone_system(ALM_PBX, "TEST Almaty", ALM_TOKEN, ALM_HMAC, [(ALM_NUMBER, "TEST Almaty")])
	contacts = {
		"known": _contact("CTI Known Caller", "TEST KarMet", "8 (701) 555-01-01"),
		"shared_a": _contact("CTI Switchboard A", "TEST KarBank", "8 7212 41 00 00"),
		"shared_b": _contact("CTI Switchboard B", "TEST KarBank", "+7 (7212) 41-00-00"),
	}
	if not frappe.db.exists("Blocked Number", {"number_e164": BLOCKED}):
		frappe.get_doc({"doctype": "Blocked Number", "number": "8 701 555 06 66", "reason": "spam"}).insert()
	frappe.db.commit()
	return {"users": users, "contacts": contacts}


def _phone_system(name, center, token, secret, numbers):
	doc = frappe.get_doc("Phone System", name) if frappe.db.exists("Phone System", name) else None
	doc = doc or frappe.new_doc("Phone System")
	doc.update({"system_name": name, "service_center": center, "enabled": 1, "token": token})
	doc.hmac_secret = secret
	doc.set("numbers", [{"number": n, "service_center": c} for n, c in numbers])
	doc.save()


def _contact(full_name, company, phone):
	first, _, last = full_name.rpartition(" ")
	name = frappe.db.get_value("Contact", {"first_name": first, "last_name": last})
	if name:
		return name
	doc = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": first,
			"last_name": last,
			"phone_nos": [{"phone": phone, "is_primary_mobile_no": 1}],
			"links": [{"link_doctype": "Client Company", "link_name": company}],
		}
	).insert(ignore_permissions=True)
	return doc.name


def cleanup_calls():
	frappe.db.rollback()
	calls = frappe.get_all("Call", filters={"phone_system": ("in", [KAR_PBX, ALM_PBX])}, pluck="name")
	if calls:
		frappe.db.delete("Call", {"name": ("in", calls)})
	frappe.db.commit()


def call_id() -> str:
	return "test-" + uuid.uuid4().hex[:12]


def post(
	server, fields=None, system=KAR_PBX, token=KAR_TOKEN, secret=None, as_json=True, raw=None, headers=None
):
	body = raw if raw is not None else (json.dumps(fields).encode() if as_json else None)
	sent = {}
	if system is not None:
		sent["X-Phone-System"] = system
	if token is not None:
		sent["X-Phone-Token"] = token
	if as_json:
		sent["Content-Type"] = "application/json"
	else:
		body = raw if raw is not None else urlencode(fields, doseq=True).encode()
		sent["Content-Type"] = "application/x-www-form-urlencoded"
	if secret:
		sent["X-Phone-Signature"] = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
	sent.update(headers or {})
	return requests.post(server.base + ENDPOINT, data=body, headers=sent, timeout=30)


def alm(server, fields, **kwargs):
	return post(server, fields, system=ALM_PBX, token=ALM_TOKEN, secret=ALM_HMAC, **kwargs)


def new_call(server, cid, caller=KNOWN, dialled=KAR_NUMBER, **extra):
	return post(
		server, {"event": "newCall", "callId": cid, "from": caller, "to": dialled, "direction": "in", **extra}
	)


def answer(server, cid, extension="101", **extra):
	return post(server, {"event": "answer", "callId": cid, "answeringNumber": extension, **extra})


def hangup(server, cid, cause="normalClearing", **extra):
	return post(server, {"event": "hangup", "callId": cid, "cause": cause, **extra})


def stored(cid, system=KAR_PBX):
	frappe.db.rollback()
	rows = frappe.get_all("Call", filters={"call_id": cid, "phone_system": system}, fields=["*"])
	assert len(rows) <= 1
	return rows[0] if rows else None


class Realtime:
	"""The realtime messages the site publishes (Redis channel "events", as Frappe's socketio reads it)."""

	def __init__(self):
		from frappe.utils.background_jobs import get_redis_connection_without_auth

		self.pubsub = get_redis_connection_without_auth().pubsub(ignore_subscribe_messages=True)
		self.pubsub.subscribe("events")

	def collect(self, seconds=1.5) -> list[dict]:
		import time

		messages = []
		deadline = time.monotonic() + seconds
		while time.monotonic() < deadline:
			item = self.pubsub.get_message(timeout=0.1)
			if item and item["type"] == "message":
				data = json.loads(item["data"])
				if data.get("namespace") == frappe.local.site and str(data.get("event", "")).startswith(
					"xnet_call"
				):
					messages.append(data)
		return messages

	def close(self):
		self.pubsub.close()
