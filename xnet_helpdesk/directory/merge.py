"""Merging a page of directory people into the helpdesk's Contacts: update the known ones, adopt contacts
entered by hand with the same e-mail, create the new ones in bulk, keep their portal users in step, and, after
the whole directory was read, deactivate the contacts that vanished from it. Feed-agnostic: a SyncRun holds one
run's counts and notes, whatever read the people: the LDAP pull (directory/sync.py) a page at a time, the SCIM
push (scim/) one person a request through apply_person and release."""

from collections import Counter
from collections.abc import Iterator

import frappe
from frappe import _
from frappe.utils import now_datetime
from pypika.terms import Parameter

from xnet_helpdesk.consts import CLIENT
from xnet_helpdesk.directory import mapping
from xnet_helpdesk.directory.mapping import ContactState, DirectoryPerson
from xnet_helpdesk.directory.sources import entry_reason

MAX_LOG_ENTRIES = 1000
PORTAL_ROLE = CLIENT


class SyncRun:
	"""One run for one source: counts, the log's entry rows, and the ids the directory returned."""

	def __init__(self, source, trigger: str):
		self.source = source
		self.trigger = trigger
		self.company = source.client_company
		self.counts: Counter = Counter()
		self.entries: list[dict] = []
		self.entries_not_listed = 0
		self.seen: set[str] = set()
		self.entries_seen = 0
		self.last_skip: tuple[str, str] | None = None

	def note(self, kind: str, dn: str, directory_id: str, reason: str) -> None:
		if len(self.entries) < MAX_LOG_ENTRIES:
			self.entries.append(
				{"kind": kind, "dn": dn, "directory_id": directory_id or "", "reason": reason}
			)
		else:
			self.entries_not_listed += 1

	def skip(self, dn: str, directory_id: str, code: str, detail: str = "") -> None:
		self.counts["skipped"] += 1
		self.last_skip = (code, detail)
		self.note("Skipped", dn, directory_id, entry_reason(code, detail))


def apply_batch(run: SyncRun, batch: list) -> None:
	people: list[DirectoryPerson] = []
	for item in batch:
		run.entries_seen += 1
		if isinstance(item, tuple):
			dn, skip = item
			run.skip(dn, "", skip.reason, skip.detail)
			continue
		if item.directory_id in run.seen:
			run.skip(item.dn, item.directory_id, mapping.DUPLICATE_ID)
			continue
		run.seen.add(item.directory_id)
		for code, text in item.warnings:
			run.note("Warning", item.dn, item.directory_id, entry_reason(code, text))
		people.append(item)
	if not people:
		return
	known = {
		row.directory_id: row
		for row in frappe.get_all(
			"Contact",
			filters={"directory_id": ["in", [p.directory_id for p in people]]},
			fields=["name", "directory_id", "directory_source", "directory_data", "disabled", "user"],
		)
	}
	adoptable = _adoptable_by_email(run, [p.email for p in people if p.email and p.directory_id not in known])
	new_people = []
	for person in people:
		row = known.get(person.directory_id)
		if row and row.directory_source != run.source.name:
			run.skip(person.dn, person.directory_id, mapping.OTHER_SOURCE, row.directory_source or "")
		elif row:
			_update_known(run, row, person)
		elif person.email and person.email in adoptable:
			_adopt(run, adoptable.pop(person.email), person)
		elif person.disabled:
			run.skip(person.dn, person.directory_id, mapping.DISABLED_NEW)
		else:
			new_people.append(person)
	_create_many(run, new_people)


class PersonSkipped(Exception):
	"""apply_person: the merge rules did not take the person (mapping's reason code, detail)."""

	def __init__(self, code: str, detail: str = ""):
		super().__init__(code, detail)
		self.code = code
		self.detail = detail


def apply_person(run: SyncRun, person: DirectoryPerson, external_id: str | None = None) -> str:
	"""One person pushed by a feed (SCIM): the same merge as a page of the pull (update, adoption by
	e-mail, creation, portal user); returns the contact's name or raises PersonSkipped. `external_id`:
	the pushing directory's own key (SCIM externalId), kept beside our directory id."""
	run.seen.discard(person.directory_id)
	run.last_skip = None
	apply_batch(run, [person])
	if run.last_skip:
		raise PersonSkipped(*run.last_skip)
	name, current = frappe.db.get_value(
		"Contact",
		{"directory_id": person.directory_id, "directory_source": run.source.name},
		["name", "directory_external_id"],
	)
	if external_id is not None and (current or "") != external_id:
		frappe.db.set_value("Contact", name, "directory_external_id", external_id, update_modified=False)
	return name


def release(run: SyncRun, contact_name: str) -> None:
	"""A pushed delete: the contact is disabled (its history and tickets stay) and no longer belongs to
	the source, so a later create with its e-mail adopts it again."""
	doc = frappe.get_doc("Contact", contact_name)
	was_disabled = doc.disabled
	doc.disabled = 1
	doc.directory_id = None
	doc.directory_external_id = None
	doc.directory_source = None
	doc.directory_data = None
	doc.save(ignore_permissions=True)  # system-owned feed, see _update_known
	if not was_disabled:
		_sync_user_enabled(run, doc, mapping.ContactUpdate(disabled=True))
		run.counts["deactivated"] += 1


def _adoptable_by_email(run: SyncRun, emails: list[str]) -> dict[str, str]:
	"""Contacts entered by hand (no directory id) with one of these e-mails, that belong to this
	company or to no client company at all: e-mail -> contact name."""
	if not emails:
		return {}
	contact = frappe.qb.DocType("Contact")
	contact_email = frappe.qb.DocType("Contact Email")
	rows = (
		frappe.qb.from_(contact_email)
		.join(contact)
		.on(contact.name == contact_email.parent)
		.select(contact_email.email_id, contact.name)
		.where(contact_email.parenttype == "Contact")
		.where(contact_email.email_id.isin(emails))
		.where((contact.directory_id.isnull()) | (contact.directory_id == ""))
		.orderby(contact.creation)
		.run(as_dict=True)
	)
	if not rows:
		return {}
	link = frappe.qb.DocType("Dynamic Link")
	companies: dict[str, set] = {}
	for item in (
		frappe.qb.from_(link)
		.select(link.parent, link.link_name)
		.where(link.parenttype == "Contact")
		.where(link.link_doctype == "Client Company")
		.where(link.parent.isin([r.name for r in rows]))
		.run(as_dict=True)
	):
		companies.setdefault(item.parent, set()).add(item.link_name)
	found: dict[str, str] = {}
	for item in rows:
		linked = companies.get(item.name, set())
		if not linked or run.company in linked:
			found.setdefault(item.email_id.lower(), item.name)
	return found


def _state(doc) -> ContactState:
	return ContactState(
		first_name=doc.first_name or "",
		last_name=doc.last_name or "",
		emails=[row.email_id for row in doc.email_ids],
		primary_email=doc.email_id or "",
		phones=[row.phone for row in doc.phone_nos],
		department=doc.department or "",
		title=doc.designation or "",
		disabled=bool(doc.get("disabled")),
	)


def _apply(doc, update: mapping.ContactUpdate, person: DirectoryPerson) -> None:
	for attr, fieldname in (
		("first_name", "first_name"),
		("last_name", "last_name"),
		("department", "department"),
		("title", "designation"),
	):
		value = getattr(update, attr)
		if value is not None:
			doc.set(fieldname, value)
	if update.emails is not None:
		doc.set("email_ids", [])
		for index, email in enumerate(update.emails):
			doc.append("email_ids", {"email_id": email, "is_primary": int(index == 0)})
	if update.phones is not None:
		doc.set("phone_nos", [])
		for number, primary_phone, primary_mobile in update.phones:
			doc.append(
				"phone_nos",
				{
					"phone": number,
					"is_primary_phone": int(primary_phone),
					"is_primary_mobile_no": int(primary_mobile),
				},
			)
	if update.disabled is not None:
		doc.disabled = int(update.disabled)
	doc.directory_username = person.username
	doc.directory_data = mapping.snapshot_text(person.snapshot())


def _update_known(run: SyncRun, row, person: DirectoryPerson) -> None:
	previous = mapping.parse_snapshot(row.directory_data)
	if mapping.is_unchanged(previous, person, bool(row.disabled)):
		run.counts["unchanged"] += 1
		if not row.user:
			_ensure_portal_user(run, row.name, person)
		return
	doc = frappe.get_doc("Contact", row.name)
	update = mapping.plan_update(previous, person, _state(doc))
	_apply(doc, update, person)
	_ensure_portal_user(run, doc, person)
	# system-owned sync: the run was permission-checked when it started
	doc.save(ignore_permissions=True)
	_sync_user_enabled(run, doc, update)
	if update.disabled:
		run.counts["deactivated"] += 1
	elif update.is_empty() and previous is not None:
		run.counts["unchanged"] += 1  # only the stored snapshot was refreshed
	else:
		run.counts["updated"] += 1


def _adopt(run: SyncRun, contact_name: str, person: DirectoryPerson) -> None:
	doc = frappe.get_doc("Contact", contact_name)
	update = mapping.plan_update(None, person, _state(doc))
	_apply(doc, update, person)
	doc.directory_id = person.directory_id
	doc.directory_source = run.source.name
	if not doc.has_link("Client Company", run.company):
		doc.append("links", {"link_doctype": "Client Company", "link_name": run.company})
	_ensure_portal_user(run, doc, person)
	doc.save(ignore_permissions=True)  # system-owned sync, see _update_known
	run.counts["adopted"] += 1
	run.counts["updated"] += 1


def _create_many(run: SyncRun, people: list[DirectoryPerson]) -> None:
	"""New contacts of one page, written with one INSERT per table.

	Contact.insert() costs about 30 ms and 11 queries a contact (naming look-ups, a Client Company
	load per link title, the user look-up), which makes a first import of 10,000 people take minutes.
	The documents are built and completed with Contact's own methods (full name, primary e-mail and
	phones) and named as Contact.autoname names them; the page is then written in bulk, as the
	Data Import of a new site would. Updates, adoptions and deactivations keep going through save()."""
	if not people:
		return
	from xnet_helpdesk.permissions.scope import clear_scope_cache
	from xnet_helpdesk.telephony.identify import fill_caller_keys

	company_title = frappe.get_cached_doc("Client Company", run.company).get_title() or run.company
	timestamp = now_datetime()
	docs = []
	for person in people:
		doc = frappe.new_doc("Contact")
		doc.status = "Passive"  # Frappe's default (a CRM reply status, not ours)
		doc.directory_id = person.directory_id
		doc.directory_source = run.source.name
		doc.append(
			"links", {"link_doctype": "Client Company", "link_name": run.company, "link_title": company_title}
		)
		_apply(doc, mapping.plan_update(None, person, ContactState()), person)
		doc.disabled = 0
		_ensure_portal_user(run, doc, person)
		doc.full_name = doc._get_full_name()
		doc.set_primary_email()
		doc.set_primary("phone")
		doc.set_primary("mobile_no")
		fill_caller_keys(doc)  # what the Contact before_validate hook does (telephony/identify.py)
		docs.append(doc)
	_name_contacts(docs, run.company)
	_link_existing_users(docs)
	rows: dict[str, list[dict]] = {}
	for doc in docs:
		doc.update({"creation": timestamp, "modified": timestamp, "owner": frappe.session.user})
		doc.modified_by = frappe.session.user
		rows.setdefault("Contact", []).append(doc.get_valid_dict(convert_dates_to_str=True))
		for child in doc.get_all_children():
			child.update(
				{
					"name": frappe.generate_hash(length=10),
					"parent": doc.name,
					"parenttype": "Contact",
					"creation": timestamp,
					"modified": timestamp,
					"owner": frappe.session.user,
					"modified_by": frappe.session.user,
				}
			)
			rows.setdefault(child.doctype, []).append(child.get_valid_dict(convert_dates_to_str=True))
	for doctype, values in rows.items():
		fields = list(values[0])
		_insert_rows(doctype, fields, [[row.get(f) for f in fields] for row in values])
	clear_scope_cache()  # what the Contact on_update hook of this app does
	run.counts["created"] += len(docs)


def _insert_rows(doctype: str, fields: list[str], values: list[list]) -> None:
	"""frappe.db.bulk_insert with placeholders: the same query builder, the values passed to the driver
	instead of being rendered into the SQL text (rendering took most of a page's time)."""
	table = frappe.qb.DocType(doctype)
	row = [Parameter("%s")] * len(fields)
	query = frappe.qb.into(table).columns(*fields).insert(*([row] * len(values)))
	frappe.db.sql(query.get_sql(), [value for entry in values for value in entry])


def _name_contacts(docs: list, company: str) -> None:
	"""Contact.autoname: "<full name>-<first linked company>", numbered when taken."""
	for doc in docs:
		doc.name = f"{doc.full_name}-{company.strip()}"[:130].strip()
	taken = set(frappe.get_all("Contact", filters={"name": ["in", [d.name for d in docs]]}, pluck="name"))
	seen: set[str] = set()
	for doc in docs:
		if doc.name in taken or doc.name in seen:
			base = doc.name
			existing = set(frappe.get_all("Contact", filters={"name": ["like", f"{base}-%"]}, pluck="name"))
			number = 1
			while f"{base}-{number}" in existing or f"{base}-{number}" in seen:
				number += 1
			doc.name = f"{base}-{number}"
		seen.add(doc.name)


def _link_existing_users(docs: list) -> None:
	"""Contact.set_user: a contact whose e-mail is a user's is linked to that user."""
	emails = [doc.email_id for doc in docs if doc.email_id and not doc.user]
	if not emails:
		return
	users = {
		row.email.lower(): row.name
		for row in frappe.get_all("User", filters={"email": ["in", emails]}, fields=["name", "email"])
	}
	for doc in docs:
		if doc.email_id and not doc.user:
			doc.user = users.get(doc.email_id.lower())


def _ensure_portal_user(run: SyncRun, doc_or_name, person: DirectoryPerson) -> None:
	"""With the source's "Create Portal Users": a Website User with the Helpdesk Client role for each
	active contact with an e-mail; an existing user with that e-mail is linked, not changed."""
	if not run.source.create_portal_users or not person.email or person.disabled:
		return
	if not isinstance(doc_or_name, str) and doc_or_name.user:
		return
	user = frappe.db.get_value("User", {"name": person.email}) or frappe.db.get_value(
		"User", {"email": person.email}
	)
	if not user:
		# new_doc: the defaults (enabled, …) are set here, as imports skip them at insert
		new_user = frappe.new_doc("User")
		new_user.update(
			{
				"email": person.email,
				"enabled": 1,
				"first_name": person.first_name,
				"last_name": person.last_name,
				"user_type": "Website User",
				"send_welcome_email": 0,
				"language": "ru",
				"roles": [{"role": PORTAL_ROLE}],
			}
		)
		new_user.flags.no_welcome_mail = True
		new_user.insert(ignore_permissions=True)  # system-owned sync, see _update_known
		user = new_user.name
		run.counts["portal_users_created"] += 1
	if isinstance(doc_or_name, str):
		# an unchanged contact gains only its user: no other field, no modified timestamp
		frappe.db.set_value("Contact", doc_or_name, "user", user, update_modified=False)
	else:
		doc_or_name.user = user


def _sync_user_enabled(run: SyncRun, doc, update: mapping.ContactUpdate) -> None:
	"""Portal users the sync manages follow their contact: disabled with it, enabled again with it."""
	if update.disabled is None or not run.source.create_portal_users or not doc.user:
		return
	if frappe.db.get_value("User", doc.user, "user_type") != "Website User":
		return
	frappe.db.set_value("User", doc.user, "enabled", int(not update.disabled))


def deactivate_missing(run: SyncRun) -> str:
	"""Deactivate this source's active contacts the directory no longer returned; return a message
	when the guard refused (nothing deactivated then), else ""."""
	active, missing = 0, []
	for chunk in _active_contacts(run.source.name):
		active += len(chunk)
		missing.extend(name for name, directory_id in chunk if directory_id not in run.seen)
	refusal = mapping.deactivation_guard(
		run.entries_seen, active, len(missing), float(run.source.max_deactivation_percent or 0)
	)
	if refusal == "empty_result":
		return _(
			"The directory returned no entries for base DN {0} and filter {1}, so none of the {2} contacts "
			"was deactivated. Check the base DN and the user filter."
		).format(run.source.base_dn, run.source.user_filter, len(missing))
	if refusal == "too_many":
		return _(
			"{0} of {1} active contacts would be deactivated, more than the limit of {2}%; none was. "
			"Check the base DN and the user filter, or raise the limit."
		).format(len(missing), active, run.source.max_deactivation_percent)
	for name in missing:
		doc = frappe.get_doc("Contact", name)
		doc.disabled = 1
		doc.save(ignore_permissions=True)  # system-owned sync, see _update_known
		_sync_user_enabled(run, doc, mapping.ContactUpdate(disabled=True))
		run.counts["deactivated"] += 1
		run.note("Warning", "", doc.directory_id, _("No longer in the directory: deactivated"))
	return ""


def _active_contacts(source_name: str, size: int = 5000) -> Iterator[list]:
	"""(name, directory id) of the source's active contacts, a chunk at a time: memory stays flat."""
	last = ""
	while True:
		chunk = frappe.get_all(
			"Contact",
			filters={"directory_source": source_name, "disabled": 0, "name": [">", last]},
			fields=["name", "directory_id"],
			order_by="name asc",
			limit_page_length=size,
			as_list=True,
		)
		if not chunk:
			return
		yield chunk
		last = chunk[-1][0]
