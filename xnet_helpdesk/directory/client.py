"""The LDAP side of a directory source, with ldap3. No Frappe imports: tested against a real slapd.

Every failure leaves here as a DirectoryError with a kind ("auth", "unreachable", "tls", "timeout",
"filter", "base_dn", "config", "server") and a detail scrubbed of the bind password; the Frappe layer
turns the kind into a translated message.
"""

import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import ldap3
from ldap3.core import exceptions as ldap_errors
from ldap3.utils.conv import escape_filter_chars

from xnet_helpdesk.directory.mapping import (
	DirectoryPerson,
	SkipEntry,
	person_from_entry,
	requested_attributes,
)

AUTH = "auth"
UNREACHABLE = "unreachable"
TLS = "tls"
TIMEOUT = "timeout"
FILTER = "filter"
BASE_DN = "base_dn"
CONFIG = "config"
SERVER = "server"


class DirectoryError(Exception):
	def __init__(self, kind: str, detail: str = ""):
		super().__init__(kind, detail)
		self.kind = kind
		self.detail = detail

	def __str__(self) -> str:
		return f"{self.kind}: {self.detail}" if self.detail else self.kind


@dataclass
class SourceSettings:
	url: str
	base_dn: str
	bind_dn: str = ""
	password: str = field(default="", repr=False)
	start_tls: bool = False
	verify_certificate: bool = True
	ca_certificate: str = ""
	user_filter: str = "(objectClass=*)"
	page_size: int = 1000
	timeout: int = 10
	attribute_map: dict[str, str] = field(default_factory=dict)

	def scrub(self, text: str) -> str:
		"""The text without the password in it, however an error message chose to quote it."""
		text = str(text)
		if self.password:
			for variant in {self.password, repr(self.password)[1:-1], self.password.encode().hex()}:
				text = text.replace(variant, "********")
		return text


def check_settings(settings: SourceSettings) -> None:
	"""What can be checked without a server; raises DirectoryError(CONFIG | FILTER)."""
	parts = urlsplit(settings.url or "")
	if parts.scheme not in ("ldap", "ldaps") or not parts.hostname:
		raise DirectoryError(CONFIG, "url")
	if parts.scheme == "ldaps" and settings.start_tls:
		raise DirectoryError(CONFIG, "starttls_with_ldaps")
	if not (settings.base_dn or "").strip():
		raise DirectoryError(CONFIG, "base_dn")
	check_filter(settings.user_filter)


def check_filter(user_filter: str) -> None:
	from ldap3.operation.search import parse_filter

	text = (user_filter or "").strip()
	if not (text.startswith("(") and text.endswith(")")):
		raise DirectoryError(FILTER, text)
	try:
		parse_filter(text, None, auto_escape=False, auto_encode=True, validator=None, check_names=False)
	except ldap_errors.LDAPException as error:
		raise DirectoryError(FILTER, f"{text}: {error}")


def _tls(settings: SourceSettings) -> ldap3.Tls:
	if not settings.verify_certificate:
		return ldap3.Tls(validate=ssl.CERT_NONE, version=ssl.PROTOCOL_TLS_CLIENT)
	return ldap3.Tls(
		validate=ssl.CERT_REQUIRED,
		version=ssl.PROTOCOL_TLS_CLIENT,
		ca_certs_data=(settings.ca_certificate or "").strip() or None,
	)


def _translate(error: Exception, settings: SourceSettings) -> DirectoryError:
	detail = settings.scrub(str(error))
	lowered = detail.lower()
	if isinstance(error, DirectoryError):
		return error
	if isinstance(error, ldap_errors.LDAPInvalidCredentialsResult):
		return DirectoryError(AUTH, detail)
	if isinstance(error, ldap_errors.LDAPInvalidFilterError):
		return DirectoryError(FILTER, detail)
	if isinstance(error, ldap_errors.LDAPNoSuchObjectResult | ldap_errors.LDAPInvalidDNSyntaxResult):
		return DirectoryError(BASE_DN, detail)
	if isinstance(error, ldap_errors.LDAPStartTLSError | ssl.SSLError) or any(
		word in lowered for word in ("ssl", "certificate", "tls", "wrap")
	):
		return DirectoryError(TLS, detail)
	if (
		isinstance(error, ldap_errors.LDAPResponseTimeoutError)
		or "timed out" in lowered
		or "timeout" in lowered
	):
		return DirectoryError(TIMEOUT, detail)
	if isinstance(error, ldap_errors.LDAPSocketReceiveError):
		return DirectoryError(TIMEOUT if "time" in lowered else UNREACHABLE, detail)
	if isinstance(error, ldap_errors.LDAPSocketOpenError | ldap_errors.LDAPCommunicationError | OSError):
		return DirectoryError(UNREACHABLE, detail)
	if isinstance(error, ldap_errors.LDAPInsufficientAccessRightsResult):
		return DirectoryError(AUTH, detail)
	return DirectoryError(SERVER, f"{type(error).__name__}: {detail}")


def connect(settings: SourceSettings) -> ldap3.Connection:
	"""A bound, read-only connection; StartTLS before the bind so the password never travels in clear."""
	check_settings(settings)
	parts = urlsplit(settings.url)
	use_ssl = parts.scheme == "ldaps"
	try:
		server = ldap3.Server(
			parts.hostname,
			port=parts.port or (636 if use_ssl else 389),
			use_ssl=use_ssl,
			tls=_tls(settings),
			get_info=ldap3.NONE,
			connect_timeout=settings.timeout,
		)
		connection = ldap3.Connection(
			server,
			user=settings.bind_dn or None,
			password=settings.password or None,
			authentication=ldap3.SIMPLE if settings.bind_dn else ldap3.ANONYMOUS,
			read_only=True,
			raise_exceptions=True,
			receive_timeout=settings.timeout,
			auto_referrals=False,
		)
		connection.open()
		if settings.start_tls:
			connection.start_tls()
		connection.bind()
	except Exception as error:
		raise _translate(error, settings) from None
	return connection


def _close(connection: ldap3.Connection) -> None:
	try:
		connection.unbind()
	except Exception:
		pass


def test_connection(settings: SourceSettings) -> dict:
	"""Bind, read the base DN, and count up to one page of matching entries."""
	connection = connect(settings)
	try:
		connection.search(settings.base_dn, "(objectClass=*)", ldap3.BASE, attributes=[])
		counted = 0
		for item in connection.extend.standard.paged_search(
			settings.base_dn,
			settings.user_filter,
			ldap3.SUBTREE,
			attributes=[],
			paged_size=min(settings.page_size or 1000, 100),
			generator=True,
		):
			if item.get("type") == "searchResEntry":
				counted += 1
				if counted >= 100:
					break
		return {"encrypted": bool(connection.server.ssl or connection.tls_started), "sample_count": counted}
	except Exception as error:
		raise _translate(error, settings) from None
	finally:
		_close(connection)


def search_filter(settings: SourceSettings, search_text: str | None = None) -> str:
	"""The user filter, narrowed to entries whose name, login or e-mail contains `search_text`
	(escaped: a `*)(` typed into Preview stays text, not filter syntax)."""
	if not (search_text or "").strip():
		return settings.user_filter
	needle = escape_filter_chars(search_text.strip())
	names = [
		name
		for key in ("username", "display_name", "first_name", "last_name", "email")
		for name in (settings.attribute_map.get(key) or "").replace(";", ",").split(",")
		if name.strip()
	]
	terms = "".join(f"({name.strip()}=*{needle}*)" for name in dict.fromkeys(names))
	return f"(&{settings.user_filter}(|{terms}))"


def iter_raw_entries(
	settings: SourceSettings, search_text: str | None = None, connection: ldap3.Connection | None = None
) -> Iterator[tuple[str, dict, object]]:
	"""(dn, {attribute: [values]}, raw id value) for each matching entry, page by page.
	`connection`: an open, bound connection to use instead of connecting with `settings`."""
	owned = connection is None
	connection = connection or connect(settings)
	id_names = [
		n.lower() for n in (settings.attribute_map.get("id") or "").replace(";", ",").split(",") if n.strip()
	]
	attributes = requested_attributes(settings.attribute_map)
	try:
		for item in connection.extend.standard.paged_search(
			settings.base_dn,
			search_filter(settings, search_text),
			ldap3.SUBTREE,
			attributes=attributes,
			paged_size=max(1, int(settings.page_size or 1000)),
			generator=True,
		):
			if item.get("type") != "searchResEntry":
				continue
			raw_id = None
			for name, values in (item.get("raw_attributes") or {}).items():
				if name.lower() in id_names and values:
					raw_id = values[0]
					break
			yield item["dn"], dict(item.get("attributes") or {}), raw_id
	except Exception as error:
		raise _translate(error, settings) from None
	finally:
		if owned:
			_close(connection)


def iter_people(
	settings: SourceSettings, search_text: str | None = None, connection: ldap3.Connection | None = None
) -> Iterator[DirectoryPerson | tuple[str, SkipEntry]]:
	"""Each entry as a DirectoryPerson, or (dn, SkipEntry) when it cannot become a contact."""
	for dn, attributes, raw_id in iter_raw_entries(settings, search_text, connection):
		try:
			yield person_from_entry(dn, attributes, settings.attribute_map, raw_id=raw_id)
		except SkipEntry as skip:
			yield dn, skip
