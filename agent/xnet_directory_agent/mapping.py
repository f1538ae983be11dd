"""From an Active Directory entry to the SCIM user the helpdesk is sent, and the deactivation guard.

The agent sends what the directory holds, raw (phones as typed): the helpdesk normalises them with the same
code as its LDAP pull, so both feeds store the same contact. objectGUID (16 bytes, little-endian GUID order)
becomes the SCIM externalId; userAccountControl bit 2 (ACCOUNTDISABLE) becomes active=false."""

import uuid

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ACCOUNTDISABLE = 0x2


class Unmappable(Exception):
	"""The entry cannot become a helpdesk user (no id, no login); the reason is the message."""


def names(spec: str | None) -> list[str]:
	"""'telephoneNumber, otherTelephone' -> ['telephoneNumber', 'otherTelephone']."""
	return [part.strip() for part in (spec or "").replace(";", ",").split(",") if part.strip()]


def requested_attributes(attribute_map: dict[str, str], change_attribute: str = "") -> list[str]:
	found: dict[str, str] = {}
	for spec in [*attribute_map.values(), change_attribute]:
		for name in names(spec):
			found.setdefault(name.lower(), name)
	return list(found.values())


def decode_guid(value) -> str | None:
	"""objectGUID's 16 raw bytes -> '6f9619ff-8b86-d011-b42d-00c04fc964ff'; text ids are kept as text."""
	if value is None:
		return None
	if isinstance(value, bytes | bytearray):
		if len(value) == 16:
			return str(uuid.UUID(bytes_le=bytes(value)))
		try:
			value = bytes(value).decode("utf-8")
		except UnicodeDecodeError:
			return bytes(value).hex()
	text = str(value).strip().strip("{}").lower()
	return text or None


def is_disabled(account_control) -> bool:
	try:
		return bool(int(str(account_control).strip()) & ACCOUNTDISABLE)
	except (TypeError, ValueError):
		return False


def _values(lowered: dict, spec: str | None) -> list:
	values: list = []
	for name in names(spec):
		found = lowered.get(name.lower())
		if found is None:
			continue
		values.extend(found if isinstance(found, list | tuple) else [found])
	return values


def _text(lowered: dict, spec: str | None) -> str:
	for value in _values(lowered, spec):
		if isinstance(value, bytes | bytearray):
			value = bytes(value).decode("utf-8", "replace")
		text = " ".join(str(value).split())
		if text:
			return text
	return ""


def change_number(attributes: dict, change_attribute: str) -> int | None:
	"""The entry's uSNChanged (or the configured change attribute) as an integer, else None."""
	lowered = {name.lower(): values for name, values in attributes.items()}
	for value in _values(lowered, change_attribute):
		try:
			return int(str(value).strip())
		except ValueError:
			return None
	return None


def scim_user(attributes: dict, attribute_map: dict[str, str], raw_id=None) -> dict:
	"""{attribute: [values]} (as ldap3 returns them) -> a SCIM 2.0 User; raises Unmappable.
	`raw_id`: the id attribute's raw value (objectGUID's bytes) when the caller has it."""
	lowered = {name.lower(): values for name, values in attributes.items()}
	if raw_id is None:
		found = _values(lowered, attribute_map.get("id"))
		raw_id = found[0] if found else None
	external_id = decode_guid(raw_id)
	if not external_id:
		raise Unmappable(f"no {attribute_map.get('id') or 'id'} attribute")
	username = _text(lowered, attribute_map.get("username")) or _text(
		lowered, attribute_map.get("principal_name")
	)
	if not username:
		raise Unmappable("no login (the username and principal_name attributes are empty)")
	user: dict = {
		"schemas": [USER_SCHEMA],
		"externalId": external_id,
		"userName": username,
		"active": True,
	}
	name = {
		key: value
		for key, value in (
			("givenName", _text(lowered, attribute_map.get("first_name"))),
			("familyName", _text(lowered, attribute_map.get("last_name"))),
		)
		if value
	}
	if name:
		user["name"] = name
	display = _text(lowered, attribute_map.get("display_name"))
	if display:
		user["displayName"] = display
	email = _text(lowered, attribute_map.get("email"))
	if email:
		user["emails"] = [{"value": email, "type": "work", "primary": True}]
	phones = [
		{"value": str(value).strip(), "type": kind}
		for kind, key in (("work", "phone"), ("mobile", "mobile"))
		for value in _values(lowered, attribute_map.get(key))
		if str(value).strip()
	]
	if phones:
		user["phoneNumbers"] = phones
	title = _text(lowered, attribute_map.get("title"))
	if title:
		user["title"] = title
	department = _text(lowered, attribute_map.get("department"))
	if department:
		user["schemas"].append(ENTERPRISE)
		user[ENTERPRISE] = {"department": department}
	control = _values(lowered, attribute_map.get("account_control"))
	if control and is_disabled(control[0]):
		user["active"] = False
	return user


def deactivation_guard(entries_seen: int, active_before: int, to_deactivate: int, max_percent: float):
	"""The helpdesk's own rule (xnet_helpdesk/directory/mapping.py), kept in step by a unit test: a
	reason code to refuse deactivating, or None. An empty directory never disables a company; more than
	`max_percent` (0 = no limit) of the active users at once is refused."""
	if not to_deactivate:
		return None
	if entries_seen == 0:
		return "empty_result"
	if max_percent and active_before and to_deactivate * 100 > active_before * max_percent:
		return "too_many"
	return None
