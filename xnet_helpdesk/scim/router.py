"""/scim/v2/: SCIM 2.0 provisioning of a client company's people (RFC 7644), one bearer token per
Directory Source with the feed "SCIM Push". A before_request hook answers these paths itself (Frappe's
website router serves GET and POST only, and its /api/ speaks Frappe's JSON, not SCIM's), so the request
never reaches Frappe's own handlers. Every change goes through directory/merge.py, the merge path of the
LDAP pull: a SCIM user is a DirectoryPerson of the token's source."""

import json
import time
import uuid

import frappe
from frappe.query_builder.functions import Count
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from xnet_helpdesk.directory import agents, heartbeat, mapping, push_log
from xnet_helpdesk.directory.merge import PersonSkipped, SyncRun, apply_person, release
from xnet_helpdesk.directory.sources import PUSH_FEEDS
from xnet_helpdesk.directory.sync import _import_flags
from xnet_helpdesk.scim import auth, discovery
from xnet_helpdesk.scim.users import (
	LIST_SCHEMA,
	ScimError,
	apply_patch,
	invalid,
	parse_filter,
	person_from_user,
	user_from_snapshot,
)

PREFIX = "/scim/v2"
MAX_BODY = 256 * 1024  # a user is a few KB; Entra and Okta send one at a time
MAX_COUNT = 1000
WRITES = ("POST", "PUT", "PATCH", "DELETE")
HEARTBEAT = "AgentHeartbeat"  # the on-site agent's report: a vendor resource, not SCIM's (docs/api.md §8)
CONTENT_TYPE = "application/scim+json; charset=utf-8"
FIELDS = [
	"name",
	"directory_id",
	"directory_external_id",
	"directory_data",
	"disabled",
	"creation",
	"modified",
]


def handle():
	"""before_request hook: answer /scim/v2/… and stop Frappe's own handling there."""
	request = frappe.request
	if not _is_scim(request.path):
		return
	frappe.local.xnet_scim_source = None
	try:
		status, body = _dispatch_retrying(request)
	except ScimError as error:
		frappe.db.rollback()
		status, body = error.status, error.body()
		_log_rejected(request, error)
	except Exception:
		frappe.db.rollback()
		frappe.log_error(title="SCIM request failed")
		status, body = 500, ScimError(500, "Internal error").body()
	response = Response(
		json.dumps(body, ensure_ascii=False) if body is not None else b"", status, content_type=CONTENT_TYPE
	)
	if status == 401:
		response.headers["WWW-Authenticate"] = 'Bearer realm="scim"'
	elif status == 503:
		response.headers["Retry-After"] = "1"
	raise HTTPException(response=response)


# a write that meets another one's row locks (four Entra or agent workers creating users of one company)
# is rolled back whole and done again, as many times; after that the client is told to come back
DEADLOCK_ATTEMPTS = 3


def _dispatch_retrying(request) -> tuple[int, dict | None]:
	for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
		try:
			status, body = _dispatch(request)
			# the answer leaves through an HTTPException, past frappe.app's commit (sync_database), and
			# frappe.app rolls back unsafe methods after it: a successful change is committed here
			frappe.db.commit()
			return status, body
		except (frappe.QueryDeadlockError, frappe.QueryTimeoutError):
			frappe.db.rollback()
			if attempt == DEADLOCK_ATTEMPTS:
				raise ScimError(503, "The directory is busy: try again") from None
			time.sleep(0.05 * attempt)
	raise AssertionError("unreachable")


def repair_error(response=None, request=None):
	"""after_request hook. Frappe parses a JSON body (application/scim+json included) in init_request,
	before any before_request hook: a body that is not JSON fails there, with Frappe's HTML error page.
	Under /scim/v2/ such a response becomes a SCIM error; handle() answers everything else itself (its
	responses leave as an HTTPException, so this hook sees none of them)."""
	if response is None or request is None or not _is_scim(request.path):
		return
	status = response.status_code
	if status >= 400:
		error = ScimError(status, "The request could not be processed")
		if status >= 500 and not _is_json(request.get_data(cache=True)):
			error = invalid("The body is not valid JSON", "invalidSyntax")
		response.set_data(json.dumps(error.body()))
		response.status_code = error.status
		response.headers["Content-Type"] = CONTENT_TYPE


def _is_scim(path: str) -> bool:
	return path == PREFIX or path.startswith(PREFIX + "/")


def _is_json(data: bytes) -> bool:
	try:
		json.loads(data or b"null")
	except (ValueError, UnicodeDecodeError):
		return False
	return True


def _dispatch(request) -> tuple[int, dict | None]:
	source = _authenticate(request)
	parts = [p for p in request.path[len(PREFIX) :].split("/") if p]
	method = request.method
	if not parts:
		raise ScimError(404, "Unknown SCIM resource")
	resource, rest = parts[0], parts[1:]
	if resource == HEARTBEAT and not rest:
		if method != "POST":
			raise ScimError(405, f"{method} is not allowed on /{HEARTBEAT}")
		return 200, _heartbeat(source, request)
	if resource in discovery.ENDPOINTS:
		if method != "GET":
			raise ScimError(405, f"{method} is not allowed on /{resource}")
		return 200, discovery.ENDPOINTS[resource](rest, _url(""))
	if resource != "Users" or len(rest) > 1:
		raise ScimError(404, f"Unknown SCIM resource {request.path}")
	frappe.set_user("Administrator")  # a system feed, scoped to the token's source below
	run = SyncRun(source, "SCIM")
	with _import_flags():
		status, body = _users(source, request, rest, run)
	if method in WRITES:
		push_log.record_write(source, request, run)
	return status, body


def _users(source, request, rest: list[str], run: SyncRun) -> tuple[int, dict | None]:
	method = request.method
	if not rest:
		if method == "GET":
			return 200, _list(source, request.args)
		if method == "POST":
			return 201, _create(source, _body(request), run)
		raise ScimError(405, f"{method} is not allowed on /Users")
	user_id = rest[0]
	row = _find(source, user_id)
	if method == "GET":
		return 200, _resource(row)
	if method == "PUT":
		return 200, _replace(source, row, _body(request), run)
	if method == "PATCH":
		body = _body(request)
		user = apply_patch(_resource(row), body)
		return 200, _replace(source, row, user, run)
	if method == "DELETE":
		release(run, row.name)
		return 204, None
	raise ScimError(405, f"{method} is not allowed")


def _heartbeat(source, request) -> dict:
	if source.feed != agents.AGENT_FEED:
		raise invalid(
			f"Heartbeats are for directory sources with the feed {agents.AGENT_FEED}; "
			f"this one's feed is {source.feed}"
		)
	try:
		report = heartbeat.parse_report(_body(request))
	except heartbeat.BadReport as error:
		raise invalid(f"Not a heartbeat: {error}", "invalidSyntax")
	return agents.record_heartbeat(source, report)


def _log_rejected(request, error: ScimError) -> None:
	"""A write the merge refused (400, 409) is listed in its group's Directory Sync Log."""
	source = getattr(frappe.local, "xnet_scim_source", None)
	if (
		source is None
		or request.method not in WRITES
		or error.status not in (400, 409)
		or not request.path.startswith(PREFIX + "/Users")
	):
		return
	try:
		body = json.loads(request.get_data(cache=True) or b"null")
	except (ValueError, UnicodeDecodeError):
		body = None
	label = ""
	if isinstance(body, dict):
		label = str(body.get("externalId") or body.get("userName") or "")
	label = label or request.path.rsplit("/", 1)[-1]
	try:
		push_log.record_rejected(source, request, label, f"{error.status}: {error.detail}")
	except Exception:
		frappe.db.rollback()
		frappe.log_error(title="SCIM: the rejected request could not be logged")


def _authenticate(request):
	token = auth.bearer(request.headers.get("Authorization"))
	name = token and frappe.db.get_value(
		"Directory Source",
		{"scim_token_hash": auth.token_hash(token), "feed": ["in", PUSH_FEEDS], "enabled": 1},
		"name",
	)
	if not name:
		raise ScimError(401, "A valid bearer token of an enabled SCIM directory source is required")
	source = frappe.get_doc("Directory Source", name)
	frappe.local.xnet_scim_source = source  # for the log of a refused write (handle)
	return source


def _body(request) -> dict:
	if (request.content_length or 0) > MAX_BODY:
		raise ScimError(413, f"The body is larger than {MAX_BODY} bytes")
	data = request.get_data(cache=True)
	if len(data) > MAX_BODY:
		raise ScimError(413, f"The body is larger than {MAX_BODY} bytes")
	try:
		body = json.loads(data or b"null")
	except (ValueError, UnicodeDecodeError):
		raise invalid("The body is not valid JSON", "invalidSyntax")
	if not isinstance(body, dict):
		raise invalid("The body must be a JSON object", "invalidSyntax")
	return body


def _url(path: str) -> str:
	return frappe.utils.get_url(PREFIX + path)


def _resource(row) -> dict:
	snapshot = mapping.parse_snapshot(row.directory_data) or {}
	user = user_from_snapshot(
		snapshot,
		row.directory_id,
		not row.disabled,
		{
			"created": row.creation.isoformat(),
			"lastModified": row.modified.isoformat(),
			"location": _url(f"/Users/{row.directory_id}"),
		},
	)
	if row.directory_external_id:
		user["externalId"] = row.directory_external_id
	else:
		user.pop("externalId")
	return user


def _find(source, user_id: str):
	row = frappe.db.get_value(
		"Contact", {"directory_id": user_id, "directory_source": source.name}, FIELDS, as_dict=True
	)
	if not row:
		raise ScimError(404, f"User {user_id} not found")
	return row


def _contacts(source, conditions: list[tuple[str, str]]):
	contact = frappe.qb.DocType("Contact")
	query = frappe.qb.from_(contact).where(contact.directory_source == source.name)
	for attr, value in conditions:
		if attr == "userName":
			query = query.where(contact.directory_username == value)
		elif attr == "externalId":
			query = query.where(contact.directory_external_id == value)
		elif attr == "emails":
			email = frappe.qb.DocType("Contact Email")
			owners = (
				frappe.qb.from_(email)
				.select(email.parent)
				.where(email.parenttype == "Contact")
				.where(email.email_id == value)
			)
			query = query.where(contact.name.isin(owners))
	return contact, query


def _int_arg(args, name: str, default: int) -> int:
	value = args.get(name)
	if value in (None, ""):
		return default
	try:
		return int(value)
	except ValueError:
		raise invalid(f"{name} must be an integer")


def _list(source, args) -> dict:
	conditions = parse_filter(args["filter"]) if args.get("filter") else []
	start = max(_int_arg(args, "startIndex", 1), 1)
	count = min(max(_int_arg(args, "count", 100), 0), MAX_COUNT)
	contact, query = _contacts(source, conditions)
	total = query.select(Count("*")).run()[0][0]
	rows = []
	if count:
		rows = (
			query.select(*(getattr(contact, f) for f in FIELDS))
			.orderby(contact.creation)
			.orderby(contact.name)
			.limit(count)
			.offset(start - 1)
			.run(as_dict=True)
		)
	return {
		"schemas": [LIST_SCHEMA],
		"totalResults": total,
		"startIndex": start,
		"itemsPerPage": len(rows),
		"Resources": [_resource(row) for row in rows],
	}


def _check_unique(source, username: str, own_name: str | None = None) -> None:
	taken = frappe.db.get_value(
		"Contact", {"directory_source": source.name, "directory_username": username}, "name"
	)
	if taken and taken != own_name:
		raise ScimError(409, f"userName {username} is taken", "uniqueness")


def _merge(source, user: dict, directory_id: str, run: SyncRun) -> str:
	person = person_from_user(user, directory_id)
	external_id = user.get("externalId")
	if external_id is not None and not isinstance(external_id, str):
		raise invalid("externalId must be a string")
	try:
		return apply_person(run, person, external_id)
	except PersonSkipped as skipped:
		if skipped.code == mapping.OTHER_SOURCE:
			raise ScimError(409, "The user belongs to another directory source", "uniqueness")
		if skipped.code == mapping.DISABLED_NEW:
			raise invalid("A new user must be active")
		raise invalid(f"The user cannot be imported: {skipped.code}")


def _create(source, user: dict, run: SyncRun) -> dict:
	username = user.get("userName")
	if isinstance(username, str) and username.strip():
		_check_unique(source, username.strip())
	directory_id = str(uuid.uuid4())
	name = _merge(source, user, directory_id, run)
	return _resource(frappe.db.get_value("Contact", name, FIELDS, as_dict=True))


def _replace(source, row, user: dict, run: SyncRun) -> dict:
	username = user.get("userName")
	if isinstance(username, str) and username.strip():
		_check_unique(source, username.strip(), row.name)
	if "externalId" not in user:
		user = {**user, "externalId": row.directory_external_id}
	name = _merge(source, user, row.directory_id, run)
	return _resource(frappe.db.get_value("Contact", name, FIELDS, as_dict=True))
