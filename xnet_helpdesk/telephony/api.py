"""The phone systems' endpoint: Zammad's generic CTI events, POSTed as a form or as JSON.

    POST /api/method/xnet_helpdesk.telephony.api.event
    X-Phone-System: <Phone System name>
    X-Phone-Token: <its token>
    X-Phone-Signature: sha256=<hex HMAC-SHA256 of the raw body>   (when the Phone System has an HMAC secret)

Open to guests at Frappe's level (a PBX has no session) and authenticated here, by the phone system's own
secret; it does nothing but record calls. A wrong or missing secret gets 401 and one log line (never the
body: it carries callers' numbers). Answers {} or {"action": "reject", "reason": "busy"}.
"""

import hashlib
import hmac
import json
import logging

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit
from frappe.utils.password import get_decrypted_password

from xnet_helpdesk.telephony.events import BadEvent
from xnet_helpdesk.telephony.service import handle

SYSTEM_HEADER = "X-Phone-System"
TOKEN_HEADER = "X-Phone-Token"
SIGNATURE_HEADER = "X-Phone-Signature"
MAX_BODY = 16 * 1024
DEFAULT_RATE_LIMIT = 1200  # events a minute from one address: a busy center's PBX sends ~3 per call


def _rate_limit() -> int:
	return int(frappe.conf.get("xnet_cti_rate_limit") or DEFAULT_RATE_LIMIT)


def log():
	logger = frappe.logger("xnet_telephony", allow_site=True)
	# Frappe's loggers keep only errors outside developer mode; a refused phone system is worth a line
	logger.setLevel(logging.WARNING)
	return logger


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=_rate_limit, seconds=60)
def event():
	body = frappe.request.get_data(cache=True) or b""
	system = _authenticate(body)
	try:
		answer = handle(system, _fields(body))
	except BadEvent as error:
		frappe.local.response.http_status_code = 400
		frappe.local.response.update({"error": "bad_event", "field": error.field, "message": error.message})
		return None
	# the PBX reads the answer at the top level, as from Zammad: {} or the rejection
	frappe.local.response.update(answer)
	return None


def _authenticate(body: bytes) -> str:
	system = (frappe.get_request_header(SYSTEM_HEADER) or "").strip()
	token = frappe.get_request_header(TOKEN_HEADER) or ""
	reason = _refusal(system, token, body)
	if reason:
		log().warning(
			"refused a phone-system event: %s (system %r, from %s, %s bytes)",
			reason,
			system[:140],
			frappe.local.request_ip,
			len(body),
		)
		raise frappe.AuthenticationError(_("The phone system could not be authenticated"))
	return system


def _refusal(system: str, token: str, body: bytes) -> str | None:
	if not system or not token:
		return "no phone system or token header"
	settings = frappe.db.get_value("Phone System", system, ["name", "enabled"], as_dict=True)
	if not settings:
		return "unknown phone system"
	if not settings.enabled:
		return "phone system disabled"
	expected = get_decrypted_password("Phone System", settings.name, "token", raise_exception=False) or ""
	if not expected or not hmac.compare_digest(expected.encode(), token.encode()):
		return "wrong token"
	secret = get_decrypted_password("Phone System", settings.name, "hmac_secret", raise_exception=False)
	if secret:
		signature = (frappe.get_request_header(SIGNATURE_HEADER) or "").strip()
		digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
		if not hmac.compare_digest(signature.encode(), f"sha256={digest}".encode()):
			return "wrong or missing signature"
	return None


def _fields(body: bytes) -> dict:
	"""The event's fields from the body alone (never the query string): a JSON object or a form, whose
	`user[]` may repeat (generic CTI lists every phone that rings)."""
	if len(body) > MAX_BODY:
		_bad("body", f"larger than {MAX_BODY} bytes")
	if frappe.request.is_json:
		try:
			fields = json.loads(body or b"{}")
		except ValueError:
			_bad("body", "not valid JSON")
		if not isinstance(fields, dict):
			_bad("body", "must be a JSON object")
		return fields
	form = frappe.request.form
	fields = {key: form.get(key) for key in form if key not in ("user", "user[]")}
	users = form.getlist("user") + form.getlist("user[]")
	if users:
		fields["user"] = users
	return fields


def _bad(field: str, message: str):
	raise BadEvent(field, message)
