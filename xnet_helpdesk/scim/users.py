"""SCIM 2.0 Users (RFC 7643/7644) in the helpdesk's terms, without Frappe: a SCIM user becomes the
DirectoryPerson the LDAP pull would make (directory/mapping.py, so phones are normalised to E.164 the same
way), the stored snapshot becomes a SCIM user again, PATCH operations apply to that representation, and a
filter becomes (attribute, value) equalities. Entra ID's and Okta's habits are accepted: op names in any
case, path-less replace with dotted keys, booleans as the strings "True"/"False", `emails[type eq "work"]`."""

import re

from xnet_helpdesk.directory import mapping

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
MAX_VALUE = 1000  # characters of one attribute value we read; longer ones are refused

# SCIM attribute -> the attribute map person_from_entry reads (one made-up "entry" per user)
ENTRY_MAP = {
	"id": "id",
	"username": "userName",
	"principal_name": "",
	"display_name": "displayName",
	"first_name": "givenName",
	"last_name": "familyName",
	"email": "email",
	"phone": "phone",
	"mobile": "mobile",
	"department": "department",
	"title": "title",
	"account_control": "uac",
}
FILTERABLE = {"username": "userName", "externalid": "externalId", "emails": "emails"}


class ScimError(Exception):
	def __init__(self, status: int, detail: str, scim_type: str | None = None):
		super().__init__(detail)
		self.status = status
		self.detail = detail
		self.scim_type = scim_type

	def body(self) -> dict:
		body = {"schemas": [ERROR_SCHEMA], "status": str(self.status), "detail": self.detail}
		if self.scim_type:
			body["scimType"] = self.scim_type
		return body


def invalid(detail: str, scim_type: str = "invalidValue") -> ScimError:
	return ScimError(400, detail, scim_type)


def parse_bool(value) -> bool:
	if isinstance(value, bool):
		return value
	if isinstance(value, str) and value.strip().lower() in ("true", "false"):
		return value.strip().lower() == "true"
	raise invalid(f"active must be a boolean, not {value!r}")


def _text(value, name: str) -> str:
	if value is None:
		return ""
	if not isinstance(value, str | int | float) or isinstance(value, bool):
		raise invalid(f"{name} must be a string")
	value = str(value)
	if len(value) > MAX_VALUE:
		raise invalid(f"{name} is longer than {MAX_VALUE} characters")
	return value


def _multi(user: dict, key: str) -> list[dict]:
	items = user.get(key) or []
	if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
		raise invalid(f"{key} must be a list of objects")
	return items


def _primary_email(user: dict) -> str:
	emails = [e for e in _multi(user, "emails") if e.get("value")]
	for chosen in (
		[e for e in emails if parse_bool(e.get("primary", False))],
		[e for e in emails if str(e.get("type", "")).lower() == "work"],
		emails,
	):
		if chosen:
			return _text(chosen[0]["value"], "emails.value")
	return ""


def person_from_user(user: dict, directory_id: str) -> mapping.DirectoryPerson:
	"""A SCIM user resource (a dict) -> DirectoryPerson; ScimError 400 for what cannot be one."""
	if not isinstance(user, dict):
		raise invalid("The body must be a JSON object", "invalidSyntax")
	username = _text(user.get("userName"), "userName").strip()
	if not username:
		raise invalid("userName is required")
	name = user.get("name") or {}
	if not isinstance(name, dict):
		raise invalid("name must be an object")
	enterprise = user.get(ENTERPRISE) or {}
	if not isinstance(enterprise, dict):
		raise invalid(f"{ENTERPRISE} must be an object")
	phones, mobiles = [], []
	for item in _multi(user, "phoneNumbers"):
		value = _text(item.get("value"), "phoneNumbers.value")
		(mobiles if str(item.get("type", "")).lower() == "mobile" else phones).append(value)
	entry = {
		"userName": [username],
		"displayName": [_text(user.get("displayName"), "displayName")],
		"givenName": [_text(name.get("givenName"), "name.givenName")],
		"familyName": [_text(name.get("familyName"), "name.familyName")],
		"email": [_primary_email(user)],
		"phone": phones,
		"mobile": mobiles,
		"department": [_text(enterprise.get("department") or user.get("department"), "department")],
		"title": [_text(user.get("title"), "title")],
		"uac": ["512" if parse_bool(user.get("active", True)) else "514"],
	}
	return mapping.person_from_entry(f"scim:{username}", entry, ENTRY_MAP, raw_id=directory_id)


def user_from_snapshot(snapshot: dict, directory_id: str, active: bool, meta: dict) -> dict:
	"""What we answer for a contact: the last thing the directory sent (the snapshot), its active state
	now, and meta (created, lastModified, location)."""
	first, last = snapshot.get("first_name") or "", snapshot.get("last_name") or ""
	user = {
		"schemas": [USER_SCHEMA, ENTERPRISE],
		"id": directory_id,
		"externalId": directory_id,
		"userName": snapshot.get("username") or "",
		"name": {"givenName": first, "familyName": last, "formatted": " ".join(filter(None, (first, last)))},
		"displayName": " ".join(filter(None, (first, last))),
		"active": active,
		"emails": [{"value": snapshot["email"], "type": "work", "primary": True}]
		if snapshot.get("email")
		else [],
		"phoneNumbers": [{"value": p, "type": "work"} for p in snapshot.get("phones") or []]
		+ [{"value": p, "type": "mobile"} for p in snapshot.get("mobiles") or []],
		"title": snapshot.get("title") or "",
		ENTERPRISE: {"department": snapshot.get("department") or ""},
		"meta": {"resourceType": "User", **meta},
	}
	# unassigned attributes are left out (RFC 7643 section 2.5), not sent empty
	if not user[ENTERPRISE]["department"]:
		del user[ENTERPRISE]
		user["schemas"] = [USER_SCHEMA]
	user["name"] = {key: value for key, value in user["name"].items() if value}
	return {key: value for key, value in user.items() if value not in ("", [], {})}


# --- PATCH ----------------------------------------------------------------------------------------------

_PATH = re.compile(r"^(?P<attr>[A-Za-z][\w$-]*)(?:\[(?P<filter>[^\]]+)\])?(?:\.(?P<sub>[A-Za-z][\w$-]*))?$")
_VALUE_FILTER = re.compile(r'^\s*(?P<attr>\w+)\s+eq\s+"(?P<value>[^"]*)"\s*$', re.IGNORECASE)


def _split_urn(path: str) -> tuple[str | None, str]:
	"""'urn:…:enterprise:2.0:User:department' -> (ENTERPRISE, 'department')."""
	lowered = path.lower()
	for urn in (ENTERPRISE, USER_SCHEMA):
		if lowered.startswith(urn.lower() + ":"):
			return urn, path[len(urn) + 1 :]
		if lowered == urn.lower():
			return urn, ""
	return None, path


def _key(container: dict, name: str) -> str:
	"""Attribute names are case-insensitive (RFC 7643 2.1): the key as the container spells it."""
	for key in container:
		if key.lower() == name.lower():
			return key
	return name


def apply_patch(user: dict, body) -> dict:
	"""A PatchOp body applied to a SCIM user dict (changed in place and returned)."""
	if not isinstance(body, dict) or not isinstance(body.get("Operations"), list):
		raise invalid("A PatchOp needs an Operations list", "invalidSyntax")
	for operation in body["Operations"]:
		if not isinstance(operation, dict):
			raise invalid("Each operation must be an object", "invalidSyntax")
		op = str(operation.get("op", "")).lower()
		if op not in ("add", "replace", "remove"):
			raise invalid(f"Unknown PATCH op {operation.get('op')!r}", "invalidSyntax")
		path = operation.get("path")
		value = operation.get("value")
		if not path:
			if op == "remove" or not isinstance(value, dict):
				raise invalid("An operation without a path needs an object value", "noTarget")
			for key, item in value.items():
				urn, rest = _split_urn(key)
				if urn == ENTERPRISE and not rest and isinstance(item, dict):
					for sub, sub_value in item.items():
						_set_path(user, ENTERPRISE, sub, op, sub_value)
				else:
					_set_path(user, urn, rest, op, item)
			continue
		if not isinstance(path, str):
			raise invalid("path must be a string", "invalidPath")
		urn, rest = _split_urn(path.strip())
		_set_path(user, urn, rest, op, value)
	return user


def _set_path(user: dict, urn: str | None, path: str, op: str, value) -> None:
	if urn == ENTERPRISE:
		target = user.setdefault(ENTERPRISE, {})
		if not isinstance(target, dict):
			raise invalid(f"{ENTERPRISE} must be an object")
		if not path and op == "remove":
			user.pop(ENTERPRISE, None)
			return
		if not path and isinstance(value, dict):  # the whole extension at once
			for sub, sub_value in value.items():
				_set_path(user, ENTERPRISE, sub, op, sub_value)
			return
		name = path
		if not re.fullmatch(r"[A-Za-z]\w*", name or ""):
			raise invalid(f"Unsupported path {path!r}", "invalidPath")
		_assign(target, name, op, value)
		return
	match = _PATH.match(path.replace("].", "]."))
	if not match and "." in path and "[" not in path:
		match = _PATH.match(path)
	if not match:
		raise invalid(f"Unsupported path {path!r}", "invalidPath")
	attr, flt, sub = match["attr"], match["filter"], match["sub"]
	if flt is None:
		if sub:  # name.givenName
			parent = user.setdefault(_key(user, attr), {})
			if not isinstance(parent, dict):
				raise invalid(f"{attr} is not a complex attribute", "invalidPath")
			_assign(parent, sub, op, value)
		else:
			_assign(user, attr, op, value)
		return
	found = _VALUE_FILTER.match(flt)
	if not found:
		raise invalid(f"Unsupported value filter {flt!r}", "invalidFilter")
	items = user.setdefault(_key(user, attr), [])
	if not isinstance(items, list):
		raise invalid(f"{attr} is not multi-valued", "invalidPath")
	matching = [
		i
		for i in items
		if isinstance(i, dict) and str(i.get(_key(i, found["attr"]), "")).lower() == found["value"].lower()
	]
	if op == "remove":
		user[_key(user, attr)] = [i for i in items if i not in matching]
		return
	if not matching:
		if op == "replace" and not sub:
			raise ScimError(400, f"No value of {attr} matches {flt}", "noTarget")
		item = {found["attr"]: found["value"]}
		items.append(item)
		matching = [item]
	for item in matching:
		if sub:
			item[_key(item, sub)] = value
		elif isinstance(value, dict):
			item.update(value)
		else:
			raise invalid(f"{path} needs an object value")


def _assign(container: dict, name: str, op: str, value) -> None:
	key = _key(container, name)
	if op == "remove":
		container.pop(key, None)
	elif op == "add" and isinstance(container.get(key), list) and isinstance(value, list):
		container[key] = container[key] + value
	elif "." in name:  # path-less replace with a dotted key: {"name.givenName": "…"}
		head, _dot, rest = name.partition(".")
		parent = container.setdefault(_key(container, head), {})
		if not isinstance(parent, dict):
			raise invalid(f"{head} is not a complex attribute", "invalidPath")
		_assign(parent, rest, op, value)
	else:
		container[key] = value


# --- filters --------------------------------------------------------------------------------------------


def parse_filter(text: str) -> list[tuple[str, str]]:
	"""`userName eq "x" and emails[type eq "work"].value eq "y"` -> [("userName", "x"), ("emails", "y")].
	Parsed by scim2-filter-parser; only eq joined by and is supported (what Entra and Okta send)."""
	from scim2_filter_parser.lexer import SCIMLexer
	from scim2_filter_parser.parser import SCIMParser, SCIMParserError

	if len(text) > 2000:
		raise invalid("The filter is too long", "invalidFilter")
	try:
		tree = SCIMParser().parse(SCIMLexer().tokenize(text))
	except (SCIMParserError, Exception) as error:
		raise invalid(f"Not a valid SCIM filter: {error}", "invalidFilter")
	if tree is None:
		raise invalid("Not a valid SCIM filter", "invalidFilter")
	terms: list[tuple[str, str, str]] = []
	try:
		_walk(tree, terms)
	except (AttributeError, TypeError):  # a tree of a shape the grammar allows but we do not read
		raise invalid("Unsupported filter", "invalidFilter")
	found: list[tuple[str, str]] = []
	for attr, sub, value in terms:
		_add(found, attr, sub, value)
	return found


def _walk(node, found: list) -> None:
	kind = type(node).__name__
	if kind == "Filter":
		if node.negated:
			raise invalid("not() is not supported", "invalidFilter")
		if node.namespace is not None:
			# emails[value eq "x"]: the inner terms are on sub-attributes of emails
			inner: list = []
			_walk(node.expr, inner)
			for attr, sub, value in inner:
				if sub:
					raise invalid("Unsupported filter", "invalidFilter")
				found.append((node.namespace.attr_name, attr, value))
			return
		_walk(node.expr, found)
	elif kind == "LogExpr":
		if node.op.lower() != "and":
			raise invalid("Only and is supported between filter terms", "invalidFilter")
		_walk(node.expr1, found)
		_walk(node.expr2, found)
	elif kind == "AttrExpr":
		if node.value.lower() != "eq":
			raise invalid(f"Only eq is supported, not {node.value}", "invalidFilter")
		path = node.attr_path
		found.append((path.attr_name, path.sub_attr.value if path.sub_attr else "", node.comp_value.value))
	else:
		raise invalid("Unsupported filter", "invalidFilter")


def _add(found: list, attr: str, sub: str, value) -> None:
	name = FILTERABLE.get(attr.lower())
	if name == "emails" and sub.lower() in ("", "value"):
		found.append(("emails", str(value)))
	elif name == "emails" and sub.lower() == "type":
		return  # emails[type eq "work" …]: we keep one work e-mail, any type matches it
	elif name and not sub:
		found.append((name, str(value)))
	else:
		raise invalid(f"Filtering on {attr}{'.' + sub if sub else ''} is not supported", "invalidFilter")
