"""Reading Active Directory with ldap3: a read-only bind over LDAPS or StartTLS (before the bind, so the
password never travels in clear), paged searches that hold one page at a time, and the change number the
next incremental pass starts after."""

import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import ldap3

from xnet_directory_agent.config import DirectoryConfig
from xnet_directory_agent.mapping import names, requested_attributes


class DirectoryUnavailable(Exception):
	"""The directory could not be read (bind, TLS, network, search); nothing was sent for this pass."""


@dataclass
class Entry:
	dn: str
	attributes: dict
	raw_id: object
	change_number: int | None


def _scrub(text: str, config: DirectoryConfig) -> str:
	return str(text).replace(config.password, "********") if config.password else str(text)


def connect(config: DirectoryConfig) -> ldap3.Connection:
	parts = urlsplit(config.url)
	use_ssl = parts.scheme == "ldaps"
	tls = ldap3.Tls(
		validate=ssl.CERT_REQUIRED if config.verify_certificate else ssl.CERT_NONE,
		version=ssl.PROTOCOL_TLS_CLIENT,
		ca_certs_file=config.ca_file or None,
	)
	try:
		server = ldap3.Server(
			parts.hostname,
			port=parts.port or (636 if use_ssl else 389),
			use_ssl=use_ssl,
			tls=tls,
			get_info=ldap3.NONE,
			connect_timeout=config.timeout,
		)
		connection = ldap3.Connection(
			server,
			user=config.bind_dn or None,
			password=config.password or None,
			authentication=ldap3.SIMPLE if config.bind_dn else ldap3.ANONYMOUS,
			read_only=True,
			raise_exceptions=True,
			receive_timeout=config.timeout,
			auto_referrals=False,
		)
		connection.open()
		if config.start_tls:
			connection.start_tls()
		connection.bind()
	except Exception as error:
		raise DirectoryUnavailable(_scrub(f"{type(error).__name__}: {error}", config)) from None
	return connection


def close(connection: ldap3.Connection) -> None:
	try:
		connection.unbind()
	except Exception:
		pass


def highest_committed(connection: ldap3.Connection) -> int | None:
	"""The domain controller's highestCommittedUSN (rootDSE), read BEFORE a pass: changes made while the
	pass runs get higher numbers, so the next pass sees them. None where the server has no such attribute
	(OpenLDAP): the highest number among the entries read stands in for it."""
	try:
		connection.search("", "(objectClass=*)", ldap3.BASE, attributes=["highestCommittedUSN"])
	except Exception:
		return None
	for entry in connection.response or []:
		values = (entry.get("attributes") or {}).get("highestCommittedUSN")
		if isinstance(values, list):
			values = values[0] if values else None
		try:
			return int(str(values))
		except (TypeError, ValueError):
			return None
	return None


def search_filter(config: DirectoryConfig, since: int | None) -> str:
	if since is None:
		return config.user_filter
	return f"(&{config.user_filter}({config.change_attribute}>={since + 1}))"


def iter_entries(
	connection: ldap3.Connection, config: DirectoryConfig, since: int | None, ids_only: bool = False
) -> Iterator[Entry]:
	"""Every entry of the user filter changed after `since` (all of them when None), a page at a time.
	`ids_only`: just the id attribute (for the reconciliation's list of who is still there)."""
	id_names = {n.lower() for n in names(config.attribute_map.get("id"))}
	attributes = (
		names(config.attribute_map.get("id"))
		if ids_only
		else requested_attributes(config.attribute_map, config.change_attribute)
	)
	try:
		for item in connection.extend.standard.paged_search(
			config.base_dn,
			search_filter(config, since),
			ldap3.SUBTREE,
			attributes=attributes,
			paged_size=config.page_size,
			generator=True,
		):
			if item.get("type") != "searchResEntry":
				continue
			raw_id = None
			for name, values in (item.get("raw_attributes") or {}).items():
				if name.lower() in id_names and values:
					raw_id = values[0]
					break
			found = dict(item.get("attributes") or {})
			change = None
			for name, values in found.items():
				if name.lower() == config.change_attribute.lower():
					value = values[0] if isinstance(values, list) and values else values
					try:
						change = int(str(value))
					except (TypeError, ValueError):
						change = None
			yield Entry(item["dn"], found, raw_id, change)
	except DirectoryUnavailable:
		raise
	except Exception as error:
		raise DirectoryUnavailable(_scrub(f"{type(error).__name__}: {error}", config)) from None
