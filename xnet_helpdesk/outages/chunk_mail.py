"""What the e-mails of one chunk of a problem's resolution look up, looked up once for the whole chunk.

Frappe builds each e-mail (QueueBuilder) and its timeline entry (Communication) on its own, and each one
asks the database the same questions about its addresses: which outgoing account sends it (loaded whole
for every message), whether the client unsubscribed from the incident, which Contact the address belongs
to (for the Communication's timeline links). A chunk asks them for all its clients in one query each and
answers Frappe's builders from that; an address the chunk did not expect (a Notification's extra
recipient, the sender) is asked about once. Inside `prepared()` Markdown is also kept for a text it already
converted (Frappe converts the empty placeholder of every e-mail it builds from finished HTML), and the
Communications' HTML is sanitised by one bleach Cleaner for the chunk: Frappe's sanitize_html builds a new
one with the same settings for every record, and bleach's documentation recommends one for many texts.
"""

import functools
from contextlib import contextmanager

import frappe
from frappe.email.doctype.email_queue.email_queue import QueueBuilder


class Chunk:
	def __init__(self, emails: list[str], reference_doctype: str, reference_names: list[str]):
		self.accounts: dict = {}
		self.emails = {email.lower() for email in emails if email}
		self.reference = (reference_doctype, set(reference_names))
		self.unsubscribed = unsubscribes(sorted(self.emails), reference_doctype, reference_names)
		self.contacts = contacts_by_email(sorted(self.emails))
		# addresses known to have no contact ("none" is an answer to remember too: the sender's address is
		# asked for every e-mail); forgotten whenever Frappe may have created contacts for unknown addresses
		self.without_contact = self.emails - set(self.contacts)

	def unsubscribed_from(self, addresses: list[str], reference_doctype: str, reference_name: str):
		"""Frappe's get_unsubscribed_user_emails for these addresses, or None when the chunk did not read
		them all."""
		wanted = {address.lower() for address in addresses}
		doctype, names = self.reference
		if not wanted <= self.emails or reference_doctype != doctype or reference_name not in names:
			return None
		return list(
			{
				row.email
				for row in self.unsubscribed
				if row.email.lower() in wanted
				and (
					row.global_unsubscribe
					or (row.reference_doctype == reference_doctype and row.reference_name == reference_name)
				)
			}
		)


_chunk: Chunk | None = None


def unsubscribes(emails: list[str], reference_doctype: str, reference_names: list[str]) -> list:
	"""The Email Unsubscribe rows that can concern these addresses in these documents (Frappe's query in
	QueueBuilder.get_unsubscribed_user_emails, for the whole chunk)."""
	if not emails:
		return []
	unsubscribe = frappe.qb.DocType("Email Unsubscribe")
	return (
		frappe.qb.from_(unsubscribe)
		.select(
			unsubscribe.email,
			unsubscribe.reference_doctype,
			unsubscribe.reference_name,
			unsubscribe.global_unsubscribe,
		)
		.where(
			unsubscribe.email.isin(emails)
			& (
				(
					(unsubscribe.reference_doctype == reference_doctype)
					& (unsubscribe.reference_name.isin(reference_names or [""]))
				)
				| (unsubscribe.global_unsubscribe == 1)
			)
		)
	).run(as_dict=True)


def contacts_by_email(emails: list[str]) -> dict[str, str]:
	"""Frappe's get_contact_name for each address: the first Contact Email row naming it (in Frappe's own
	order) whose Contact exists. Addresses without a contact are left out (the Chunk remembers them)."""
	if not emails:
		return {}
	rows = frappe.get_all(
		"Contact Email",
		filters={"email_id": ("in", emails), "parenttype": "Contact"},
		fields=["email_id", "parent"],
	)
	if not rows:
		return {}
	existing = set(
		frappe.get_all("Contact", filters={"name": ("in", list({row.parent for row in rows}))}, pluck="name")
	)
	found: dict[str, str] = {}
	for row in rows:
		if row.parent in existing:
			found.setdefault(row.email_id.lower(), row.parent)
	return found


@contextmanager
def prepared(emails: list[str], reference_doctype: str, reference_names: list[str]):
	"""The chunk's addresses read once; Frappe's builders answered from them while the block runs."""
	from frappe.core.doctype.communication import communication
	from frappe.email import email_body

	global _chunk
	if _chunk is not None:  # already inside one: the outer block decides
		yield _chunk
		return
	chunk = Chunk(emails, reference_doctype, reference_names)
	get_contacts, get_contact_name = communication.get_contacts, communication.get_contact_name
	markdown = email_body.markdown

	def contact_name(email_id):
		address = (email_id or "").lower()
		if address in chunk.contacts or address in chunk.without_contact:
			return chunk.contacts.get(address)
		found = get_contact_name(email_id)
		if found:
			chunk.contacts[address] = found
		else:
			chunk.without_contact.add(address)
		return found

	def contacts(email_strings, auto_create_contact=False):
		try:
			return get_contacts(email_strings, auto_create_contact=auto_create_contact)
		finally:
			if auto_create_contact:  # it may have made contacts for addresses that had none
				chunk.without_contact.clear()

	_chunk = chunk
	communication.get_contacts, communication.get_contact_name = contacts, contact_name
	email_body.markdown = functools.lru_cache(maxsize=16)(markdown)
	try:
		with one_cleaner():
			yield chunk
	finally:
		_chunk = None
		communication.get_contacts, communication.get_contact_name = get_contacts, get_contact_name
		email_body.markdown = markdown


def _settings_key(tags, attributes, protocols, strip, strip_comments, css_sanitizer):
	"""What a Cleaner cleans by, as a key; None when it cannot be told (a filter that closes over values)."""
	from bleach.css_sanitizer import CSSSanitizer

	def allowed(value):
		if callable(value):
			return None if value.__closure__ else (value.__module__, value.__code__)
		return tuple(value)

	if isinstance(attributes, dict):
		attributes_key = tuple(sorted((tag, allowed(value)) for tag, value in attributes.items()))
		if any(value is None for _tag, value in attributes_key):
			return None
	else:
		attributes_key = allowed(attributes)
		if attributes_key is None:
			return None
	if css_sanitizer is not None:
		if type(css_sanitizer) is not CSSSanitizer:
			return None
		css_sanitizer = (
			frozenset(css_sanitizer.allowed_css_properties),
			frozenset(css_sanitizer.allowed_svg_properties),
		)
	return (frozenset(tags), attributes_key, frozenset(protocols), strip, strip_comments, css_sanitizer)


@contextmanager
def one_cleaner():
	"""bleach.clean with one Cleaner per set of settings while the block runs (the same cleaned text)."""
	import bleach

	clean = bleach.clean
	cleaners: dict = {}

	def clean_reusing(text, tags=bleach.ALLOWED_TAGS, attributes=bleach.ALLOWED_ATTRIBUTES, *args, **kwargs):
		protocols = kwargs.get("protocols", bleach.ALLOWED_PROTOCOLS)
		settings = (
			kwargs.get("strip", False),
			kwargs.get("strip_comments", True),
			kwargs.get("css_sanitizer"),
		)
		if args or set(kwargs) - {"protocols", "strip", "strip_comments", "css_sanitizer"}:
			return clean(text, tags, attributes, *args, **kwargs)
		key = _settings_key(tags, attributes, protocols, *settings)
		if key is None:
			return clean(text, tags, attributes, **kwargs)
		if key not in cleaners:
			cleaners[key] = bleach.Cleaner(
				tags=tags,
				attributes=attributes,
				protocols=protocols,
				strip=settings[0],
				strip_comments=settings[1],
				css_sanitizer=settings[2],
			)
		return cleaners[key].clean(text)

	bleach.clean = clean_reusing
	try:
		yield
	finally:
		bleach.clean = clean


class ChunkQueueBuilder(QueueBuilder):
	"""Frappe's QueueBuilder, answered from the chunk: its outgoing account found (and checked to be stored)
	once, and who unsubscribed read for all of the chunk's clients at once."""

	def get_outgoing_email_account(self):
		if _chunk is None:
			return super().get_outgoing_email_account()
		key = (self.reference_doctype, self._sender)
		if key not in _chunk.accounts:
			account = super().get_outgoing_email_account()
			stored = account.is_exists_in_db()
			account.is_exists_in_db = lambda: stored
			_chunk.accounts[key] = account
		self._email_account = _chunk.accounts[key]
		return self._email_account

	def get_unsubscribed_user_emails(self):
		if self._unsubscribed_user_emails is None and _chunk is not None:
			self._unsubscribed_user_emails = _chunk.unsubscribed_from(
				list(set(self.recipients + self.cc)), self.reference_doctype, self.reference_name
			)
		return super().get_unsubscribed_user_emails()
