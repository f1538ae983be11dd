"""From a directory entry to the contact we keep, and what a re-sync has to change. No Frappe imports.

A directory entry arrives as {attribute name: [values]}; `person_from_entry` turns it into a
DirectoryPerson (or raises SkipEntry with a reason code), `snapshot` is what we store on the contact
to know later what the directory said last time, and `plan_update` is the three-way merge between
that snapshot, the directory now and the contact now: fields the directory changed are written,
fields an operator edited by hand and the directory did not touch are kept.
"""

import functools
import json
import uuid
from dataclasses import dataclass, field

from xnet_helpdesk.incident_flow.contact_details import InvalidPhone, normalize_email, normalize_phone

# map key -> (label, Active Directory default, OpenLDAP default)
ATTRIBUTE_MAP = {
	"id": ("Stable ID", "objectGUID", "entryUUID"),
	"username": ("Login", "sAMAccountName", "uid"),
	"principal_name": ("Principal Name", "userPrincipalName", ""),
	"display_name": ("Display Name", "displayName", "cn"),
	"first_name": ("First Name", "givenName", "givenName"),
	"last_name": ("Last Name", "sn", "sn"),
	"email": ("E-mail", "mail", "mail"),
	"phone": ("Phones", "telephoneNumber, otherTelephone", "telephoneNumber"),
	"mobile": ("Mobile Phones", "mobile, otherMobile", "mobile"),
	"department": ("Department", "department", "ou"),
	"title": ("Job Title", "title", "title"),
	"account_control": ("Account Control", "userAccountControl", ""),
}
PRESETS = {
	"Active Directory": {key: values[1] for key, values in ATTRIBUTE_MAP.items()},
	"OpenLDAP": {key: values[2] for key, values in ATTRIBUTE_MAP.items()},
}
AD_DEFAULT_FILTER = "(&(objectCategory=person)(objectClass=user))"
OPENLDAP_DEFAULT_FILTER = "(objectClass=inetOrgPerson)"
ACCOUNTDISABLE = 0x2  # userAccountControl bit 2

# reason codes of skipped entries and warnings; the Frappe layer turns them into translated text
NO_ID = "no_id"
NO_NAME = "no_name"
DUPLICATE_ID = "duplicate_id"
OTHER_SOURCE = "other_source"
BAD_PHONE = "bad_phone"
BAD_EMAIL = "bad_email"
# a person disabled in the directory who was never imported: not imported
DISABLED_NEW = "disabled_new"


class SkipEntry(Exception):
	def __init__(self, reason: str, detail: str = ""):
		super().__init__(reason, detail)
		self.reason = reason
		self.detail = detail


@functools.lru_cache(maxsize=256)
def _names(spec: str) -> tuple[str, ...]:
	return tuple(part.strip() for part in spec.replace(";", ",").split(",") if part.strip())


def attribute_names(spec: str | None) -> list[str]:
	"""'telephoneNumber, otherTelephone' -> ['telephoneNumber', 'otherTelephone']."""
	return list(_names(spec or ""))


def requested_attributes(attribute_map: dict[str, str]) -> list[str]:
	names: list[str] = []
	for spec in attribute_map.values():
		for name in attribute_names(spec):
			if name.lower() not in {n.lower() for n in names}:
				names.append(name)
	return names


def decode_id(value: bytes | str | None) -> str | None:
	"""AD's objectGUID is 16 raw bytes in little-endian GUID order; entryUUID and others are text."""
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


@dataclass(frozen=True)
class DirectoryPerson:
	directory_id: str
	dn: str
	username: str = ""
	first_name: str = ""
	last_name: str = ""
	email: str | None = None
	phones: tuple[str, ...] = ()
	mobiles: tuple[str, ...] = ()
	department: str = ""
	title: str = ""
	disabled: bool = False
	warnings: tuple[tuple[str, str], ...] = field(default=(), compare=False)

	def snapshot(self) -> dict:
		return {
			"username": self.username,
			"first_name": self.first_name,
			"last_name": self.last_name,
			"email": self.email or "",
			"phones": list(self.phones),
			"mobiles": list(self.mobiles),
			"department": self.department,
			"title": self.title,
			"disabled": self.disabled,
		}


def snapshot_text(snapshot: dict) -> str:
	return json.dumps(snapshot, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def parse_snapshot(text: str | None) -> dict | None:
	if not text:
		return None
	try:
		value = json.loads(text)
	except ValueError:
		return None
	return value if isinstance(value, dict) else None


def _values(lowered: dict, spec: str | None) -> list:
	"""Values of the attributes named in `spec`; `lowered`: the entry with lower-case attribute names."""
	values: list = []
	for name in _names(spec or ""):
		found = lowered.get(name.lower())
		if found is None:
			continue
		values.extend(found if isinstance(found, list | tuple) else [found])
	return values


def _text(attributes: dict, spec: str | None) -> str:
	for value in _values(attributes, spec):
		if isinstance(value, bytes | bytearray):
			value = bytes(value).decode("utf-8", "replace")
		text = " ".join(str(value).split())
		if text:
			return text
	return ""


def _phones(attributes: dict, spec: str | None, warnings: list) -> tuple[str, ...]:
	phones: list[str] = []
	for value in _values(attributes, spec):
		text = str(value).strip()
		if not text:
			continue
		try:
			phone = normalize_phone(text)
		except InvalidPhone:
			warnings.append((BAD_PHONE, text))
			continue
		if phone not in phones:
			phones.append(phone)
	return tuple(phones)


def person_from_entry(
	dn: str, attributes: dict, attribute_map: dict[str, str], raw_id=None
) -> DirectoryPerson:
	"""`attributes`: {name: [values]} as ldap3 returns them; `raw_id`: the id attribute's raw value
	(bytes for objectGUID) when the caller has it, else it is read from `attributes`."""
	attributes = {name.lower(): values for name, values in attributes.items()}
	if raw_id is None:
		found = _values(attributes, attribute_map.get("id"))
		raw_id = found[0] if found else None
	directory_id = decode_id(raw_id)
	if not directory_id:
		raise SkipEntry(NO_ID, attribute_map.get("id") or "")
	warnings: list[tuple[str, str]] = []
	username = _text(attributes, attribute_map.get("username")) or _text(
		attributes, attribute_map.get("principal_name")
	)
	first_name = _text(attributes, attribute_map.get("first_name"))
	last_name = _text(attributes, attribute_map.get("last_name"))
	if not first_name:
		first_name = _text(attributes, attribute_map.get("display_name"))
		if first_name and last_name and first_name.endswith(" " + last_name):
			first_name = first_name[: -len(last_name) - 1].strip()
		elif first_name == last_name:
			last_name = ""
	if not first_name and last_name:
		first_name, last_name = last_name, ""
	if not first_name:
		first_name = username
	if not first_name:
		raise SkipEntry(NO_NAME)
	raw_email = _text(attributes, attribute_map.get("email"))
	email = normalize_email(raw_email) if raw_email else None
	if raw_email and not email:
		warnings.append((BAD_EMAIL, raw_email))
	phones = _phones(attributes, attribute_map.get("phone"), warnings)
	mobiles = tuple(p for p in _phones(attributes, attribute_map.get("mobile"), warnings) if p not in phones)
	control = _values(attributes, attribute_map.get("account_control"))
	return DirectoryPerson(
		directory_id=directory_id,
		dn=dn,
		username=username,
		first_name=first_name[:140],
		last_name=last_name[:140],
		email=email.lower() if email else None,
		phones=phones,
		mobiles=mobiles,
		department=_text(attributes, attribute_map.get("department"))[:140],
		title=_text(attributes, attribute_map.get("title"))[:140],
		disabled=bool(control) and is_disabled(control[0]),
		warnings=tuple(warnings),
	)


@dataclass
class ContactState:
	"""What the contact holds now, in the terms of a snapshot (all phones, all e-mails)."""

	first_name: str = ""
	last_name: str = ""
	emails: list[str] = field(default_factory=list)
	primary_email: str = ""
	phones: list[str] = field(default_factory=list)
	department: str = ""
	title: str = ""
	disabled: bool = False


@dataclass
class ContactUpdate:
	"""The values to write; None means the contact's value stays. Empty when nothing changes."""

	first_name: str | None = None
	last_name: str | None = None
	department: str | None = None
	title: str | None = None
	emails: list[str] | None = None  # the full new list, primary first
	phones: list[tuple[str, bool, bool]] | None = None  # (number, is primary phone, is primary mobile)
	disabled: bool | None = None

	def is_empty(self) -> bool:
		return all(getattr(self, name) is None for name in self.__dataclass_fields__)


SCALARS = (
	("first_name", "first_name"),
	("last_name", "last_name"),
	("department", "department"),
	("title", "title"),
)


def plan_update(previous: dict | None, person: DirectoryPerson, current: ContactState) -> ContactUpdate:
	"""Three-way merge. `previous`: the snapshot stored at the last sync (None for a contact entered by
	hand that we adopt now). The directory wins for what it changed since `previous`; what it did
	not change keeps the contact's current value, so an operator's note of a private mobile survives."""
	new = person.snapshot()
	old = previous or {}
	update = ContactUpdate()
	for key, attr in SCALARS:
		value = new[key]
		changed = previous is None or value != old.get(key, "")
		if changed and (value or previous is not None) and value != getattr(current, attr):
			setattr(update, attr, value)

	old_email = old.get("email") or ""
	if new["email"] != old_email or previous is None:
		emails = [e for e in current.emails if e.lower() not in {old_email.lower(), new["email"].lower()}]
		wanted = [new["email"], *emails] if new["email"] else emails
		if wanted != current.emails or (new["email"] and current.primary_email != new["email"]):
			update.emails = wanted

	new_phones = [*new["phones"], *new["mobiles"]]
	old_phones = [*old.get("phones", []), *old.get("mobiles", [])]
	if new_phones != old_phones or previous is None:
		kept = [p for p in current.phones if p not in old_phones and p not in new_phones]
		rows = [(p, i == 0, False) for i, p in enumerate(new["phones"])]
		rows += [(p, False, i == 0) for i, p in enumerate(new["mobiles"])]
		rows += [(p, False, False) for p in kept]
		if [r[0] for r in rows] != current.phones or previous is None:
			update.phones = rows

	if person.disabled != current.disabled:
		update.disabled = person.disabled
	return update


def is_unchanged(previous: dict | None, person: DirectoryPerson, currently_disabled: bool) -> bool:
	"""The cheap test a re-sync makes first: same snapshot, same active state -> no write at all."""
	return previous == person.snapshot() and currently_disabled == person.disabled


def deactivation_guard(
	entries_seen: int, active_before: int, to_deactivate: int, max_percent: float
) -> str | None:
	"""A reason code to refuse deactivating, or None. An empty result (a wrong base DN or filter, a
	directory restored from nothing) must never switch off every contact of a company; `max_percent`
	(0 = no limit) stops a filter that suddenly matches a fraction of the staff."""
	if not to_deactivate:
		return None
	if entries_seen == 0:
		return "empty_result"
	if max_percent and active_before and to_deactivate * 100 > active_before * max_percent:
		return "too_many"
	return None
