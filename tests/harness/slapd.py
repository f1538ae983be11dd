"""A real OpenLDAP server (Debian's slapd) for tests and benchmarks, started in a temporary directory.

It listens on loopback only (ldap:// with StartTLS and ldaps://, one free port each), uses its own
slapd.conf, an mdb database and a CA + server certificate made with openssl for the run. A small
schema adds the Active Directory attributes our default attribute map reads (objectGUID as raw
bytes, sAMAccountName, userPrincipalName, userAccountControl, department, otherTelephone,
otherMobile), so the tree looks like AD to the sync while entryUUID keeps working for the
OpenLDAP preset. Entries are loaded offline with slapadd, which takes seconds for 50,000 entries.

slapd has no update sequence numbers: the schema adds AD's uSNChanged (an integer with ordering, so
`(uSNChanged>=N)` works as on a domain controller), the loaded entries get 1, 2, 3, … and changes made
through `Slapd.change` take the next number, as AD's would (the on-site agent's incremental reads follow it).

    with Slapd() as server:
        server.load(users=ad_like_tree())
        server.url, server.ldaps_url, server.bind_dn, server.bind_password, server.ca_pem
"""

import base64
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

SUFFIX = "dc=karmet,dc=test"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "Adm1n-slapd-Секрет"
READER_DN = f"cn=sync-reader,ou=Service,{SUFFIX}"
READER_PASSWORD = "Re@der-Пароль-2026"

SCHEMA = """
attributetype ( 1.2.840.113556.1.4.2 NAME 'objectGUID'
	EQUALITY octetStringMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl'
	EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName'
	EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.656 NAME 'userPrincipalName'
	EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.141 NAME 'department'
	EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.18 NAME 'otherTelephone'
	EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 1.2.840.113556.1.4.647 NAME 'otherMobile'
	EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 1.2.840.113556.1.2.120 NAME 'uSNChanged'
	EQUALITY integerMatch ORDERING integerOrderingMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.4203.666.11.100.1 NAME 'xnetADUser' SUP top AUXILIARY
	MAY ( objectGUID $ userAccountControl $ sAMAccountName $ userPrincipalName $ department
		$ otherTelephone $ otherMobile $ uSNChanged ) )
"""

UAC_NORMAL = 512
UAC_DISABLED = 514  # NORMAL_ACCOUNT | ACCOUNTDISABLE (bit 2)


def slapd_available() -> str | None:
	"""None when slapd and openssl are installed, else why the LDAP tests cannot run."""
	for tool in ("slapd", "slapadd", "openssl"):
		if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
			return f"{tool} is not installed (apt-get install -y slapd ldap-utils openssl)"
	return None


def _tool(name: str) -> str:
	return shutil.which(name) or f"/usr/sbin/{name}"


def free_port() -> int:
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		return sock.getsockname()[1]


@dataclass
class User:
	"""One person in the test directory; `ou` is the path below the suffix, innermost first."""

	uid: str
	given_name: str
	surname: str
	ou: tuple[str, ...] = ("Users",)
	mail: str | None = None
	phones: tuple[str, ...] = ()
	mobiles: tuple[str, ...] = ()
	other_phones: tuple[str, ...] = ()
	department: str | None = None
	title: str | None = None
	disabled: bool = False
	guid: bytes = field(default_factory=lambda: uuid.uuid4().bytes_le)  # b"": no objectGUID at all

	@property
	def dn(self) -> str:
		return f"cn={self.uid}," + ",".join(f"ou={o}" for o in self.ou) + f",{SUFFIX}"

	@property
	def guid_string(self) -> str:
		return str(uuid.UUID(bytes_le=self.guid))


def ad_like_tree() -> list[User]:
	"""A small company directory: Cyrillic names, several phones, disabled accounts, nested OUs."""
	return [
		User(
			"a.ivanov",
			"Алексей",
			"Иванов",
			("IT", "Karaganda", "Users"),
			mail="A.Ivanov@KarMet.kz",
			phones=("+7 (7212) 50-52-52",),
			mobiles=("8 701 123 45 67",),
			other_phones=("8 7212 50-52-53",),
			department="Отдел ИТ",
			title="Системный администратор",
		),
		User(
			"g.nurlanova",
			"Гульнара",
			"Нурланова",
			("Accounting", "Karaganda", "Users"),
			mail="g.nurlanova@karmet.kz",
			phones=("7212 41-00-00", "7212 41-00-01"),
			department="Бухгалтерия",
			title="Главный бухгалтер",
		),
		User(
			"s.akhmetov",
			"Серік",
			"Ахметов",
			("Temirtau", "Users"),
			mail="s.akhmetov@karmet.kz",
			mobiles=("+7 777 000 11 22", "+7 705 000 11 22"),
			department="Цех №2",
		),
		User(
			"o.petrova",
			"Ольга",
			"Петрова",
			("Karaganda", "Users"),
			mail="o.petrova@karmet.kz",
			phones=("not a phone",),
			disabled=True,
		),
		User("no.guid", "Без", "Идентификатора", ("Users",), mail="no.guid@karmet.kz", guid=b""),
	]


def user_ldif(user: User, usn: int | None = None) -> str:
	lines = [
		f"dn: {user.dn}",
		"objectClass: inetOrgPerson",
		"objectClass: xnetADUser",
		f"cn: {user.uid}",
		f"uid: {user.uid}",
		f"sn: {user.surname or user.uid}",
		f"sAMAccountName: {user.uid}",
		f"userPrincipalName: {user.uid}@karmet.kz",
		f"userAccountControl: {UAC_DISABLED if user.disabled else UAC_NORMAL}",
	]
	if usn:
		lines.append(f"uSNChanged: {usn}")
	if user.guid:
		lines.append(f"objectGUID:: {base64.b64encode(user.guid).decode()}")
	if user.given_name:
		lines.append(f"givenName: {user.given_name}")
		lines.append(f"displayName: {user.given_name} {user.surname}".strip())
	for attribute, value in (("mail", user.mail), ("department", user.department), ("title", user.title)):
		if value:
			lines.append(f"{attribute}: {value}")
	for attribute, values in (
		("telephoneNumber", user.phones),
		("mobile", user.mobiles),
		("otherTelephone", user.other_phones),
	):
		lines.extend(f"{attribute}: {v}" for v in values)
	return _encode_lines(lines)


def _encode_lines(lines: list[str]) -> str:
	"""LDIF wants base64 (attr:: …) for values that are not plain ASCII."""
	out = []
	for line in lines:
		attribute, sep, value = line.partition(": ")
		if sep and not value.isascii():
			line = f"{attribute}:: {base64.b64encode(value.encode()).decode()}"
		out.append(line)
	return "\n".join(out) + "\n\n"


def ou_ldif(users: Iterable[User]) -> str:
	paths: set[tuple[str, ...]] = set()
	for user in users:
		for depth in range(1, len(user.ou) + 1):
			paths.add(user.ou[-depth:])
	blocks = [
		f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: karmet\no: KarMet\n\n",
		f"dn: ou=Service,{SUFFIX}\nobjectClass: organizationalUnit\nou: Service\n\n",
		f"dn: {READER_DN}\nobjectClass: person\nobjectClass: simpleSecurityObject\ncn: sync-reader\n"
		f"sn: reader\nuserPassword: {READER_PASSWORD}\n\n",
	]
	for path in sorted(paths, key=len):
		dn = ",".join(f"ou={o}" for o in path) + f",{SUFFIX}"
		blocks.append(_encode_lines([f"dn: {dn}", "objectClass: organizationalUnit", f"ou: {path[0]}"]))
	return "".join(blocks)


class Slapd:
	"""Start with `with Slapd() as server:`; stopped and its directory removed on exit."""

	def __init__(self, size_limit: int = 500):
		self.size_limit = size_limit
		self.root = Path(tempfile.mkdtemp(prefix="xnet-slapd-"))
		self.port = free_port()
		self.ldaps_port = free_port()
		self.process: subprocess.Popen | None = None
		self.highest_usn = 0  # the last uSNChanged given out (load, change)

	url = property(lambda self: f"ldap://127.0.0.1:{self.port}")
	ldaps_url = property(lambda self: f"ldaps://127.0.0.1:{self.ldaps_port}")
	bind_dn = READER_DN
	bind_password = READER_PASSWORD
	base_dn = SUFFIX

	@property
	def ca_pem(self) -> str:
		return (self.root / "ca.crt").read_text()

	def __enter__(self) -> "Slapd":
		self._make_certificates()
		self._write_config()
		return self

	def __exit__(self, *exc) -> None:
		self.stop()
		shutil.rmtree(self.root, ignore_errors=True)

	def _make_certificates(self) -> None:
		run = lambda *args: subprocess.run(  # noqa: E731
			[_tool("openssl"), *args], cwd=self.root, check=True, capture_output=True
		)
		run(
			"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=XNet Test CA",
			"-keyout", "ca.key", "-out", "ca.crt",
			"-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
		)  # fmt: skip
		run(
			"req",
			"-newkey",
			"rsa:2048",
			"-nodes",
			"-subj",
			"/CN=127.0.0.1",
			"-keyout",
			"server.key",
			"-out",
			"server.csr",
		)
		(self.root / "san.ext").write_text(
			"subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
			"keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
		)
		run(
			"x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
			"-days", "2", "-out", "server.crt", "-extfile", "san.ext",
		)  # fmt: skip
		# a CA that did not sign the server certificate: the "wrong CA" TLS failure
		run(
			"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Other CA",
			"-keyout", "other-ca.key", "-out", "other-ca.crt",
		)  # fmt: skip

	def _write_config(self) -> None:
		(self.root / "db").mkdir()
		(self.root / "xnet-ad.schema").write_text(SCHEMA)
		(self.root / "slapd.conf").write_text(
			"\n".join(
				[
					"include /etc/ldap/schema/core.schema",
					"include /etc/ldap/schema/cosine.schema",
					"include /etc/ldap/schema/inetorgperson.schema",
					f"include {self.root}/xnet-ad.schema",
					"modulepath /usr/lib/ldap",
					"moduleload back_mdb",
					f"pidfile {self.root}/slapd.pid",
					f"TLSCACertificateFile {self.root}/ca.crt",
					f"TLSCertificateFile {self.root}/server.crt",
					f"TLSCertificateKeyFile {self.root}/server.key",
					# like AD's MaxPageSize: a plain search stops here, a paged one goes on page by page
					f"sizelimit size.soft={self.size_limit} size.hard={self.size_limit} size.prtotal=unlimited",
					"database mdb",
					f'suffix "{SUFFIX}"',
					f'rootdn "{ADMIN_DN}"',
					f"rootpw {ADMIN_PASSWORD}",
					f"directory {self.root}/db",
					"maxsize 4294967296",
					"index objectClass eq",
					"access to attrs=userPassword by anonymous auth by * none",
					f'access to * by dn.exact="{READER_DN}" read by * none',
					"",
				]
			)
		)

	def load(self, users: Iterable[User], chunk: int = 20000) -> None:
		"""Load the tree offline (slapd must be stopped: call before start())."""
		users = list(users)
		first = self.highest_usn + 1
		self.highest_usn += len(users)
		self._slapadd(ou_ldif(users) + "".join(user_ldif(u, first + i) for i, u in enumerate(users[:chunk])))
		for start in range(chunk, len(users), chunk):
			self._slapadd(
				"".join(user_ldif(u, first + start + i) for i, u in enumerate(users[start : start + chunk]))
			)

	def load_stream(self, ldif_chunks: Iterator[str]) -> None:
		for text in ldif_chunks:
			self._slapadd(text)

	def _slapadd(self, ldif: str) -> None:
		path = self.root / "load.ldif"
		path.write_text(ldif, encoding="utf-8")
		result = subprocess.run(
			[_tool("slapadd"), "-q", "-f", str(self.root / "slapd.conf"), "-l", str(path)],
			capture_output=True,
			text=True,
		)
		path.unlink()
		if result.returncode != 0:
			raise RuntimeError(f"slapadd failed: {result.stderr[-2000:]}")

	def start(self) -> None:
		self._log = log = open(self.root / "slapd.log", "w")  # closed in stop()
		self.process = subprocess.Popen(
			[
				_tool("slapd"),
				"-f",
				str(self.root / "slapd.conf"),
				"-h",
				f"ldap://127.0.0.1:{self.port}/ ldaps://127.0.0.1:{self.ldaps_port}/",
				"-d",
				"0",
			],
			stdout=log,
			stderr=subprocess.STDOUT,
		)
		deadline = time.monotonic() + 15
		while time.monotonic() < deadline:
			if self.process.poll() is not None:
				raise RuntimeError(f"slapd exited: {(self.root / 'slapd.log').read_text()[-2000:]}")
			try:
				socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
				socket.create_connection(("127.0.0.1", self.ldaps_port), timeout=0.2).close()
				return
			except OSError:
				time.sleep(0.05)
		raise RuntimeError("slapd did not start listening within 15 s")

	def stop(self) -> None:
		if self.process and self.process.poll() is None:
			self.process.terminate()
			try:
				self.process.wait(timeout=10)
			except subprocess.TimeoutExpired:
				self.process.kill()
				self.process.wait()
		self.process = None
		if getattr(self, "_log", None):
			self._log.close()
			self._log = None

	def change(self, dn: str, changes: dict) -> int:
		"""Modify an entry as AD would record it: `changes` as ldap3's modify takes them, and the entry's
		uSNChanged set to the next number (returned)."""
		import ldap3

		self.highest_usn += 1
		connection = self.admin_connection()
		try:
			ok = connection.modify(
				dn, {**changes, "uSNChanged": [(ldap3.MODIFY_REPLACE, [str(self.highest_usn)])]}
			)
			assert ok, connection.result
		finally:
			connection.unbind()
		return self.highest_usn

	def add(self, user: User) -> int:
		"""A new entry while slapd runs, with the next uSNChanged (returned)."""
		self.highest_usn += 1
		lines = [
			line
			for line in user_ldif(user, self.highest_usn).strip().split("\n")
			if not line.startswith("dn:")
		]
		attributes: dict[str, list] = {}
		for line in lines:
			name, sep, value = line.partition(":: ")
			if sep:
				decoded = base64.b64decode(value)
				attributes.setdefault(name, []).append(
					decoded if name == "objectGUID" else decoded.decode("utf-8")
				)
			else:
				name, _sep, value = line.partition(": ")
				attributes.setdefault(name, []).append(value)
		connection = self.admin_connection()
		try:
			ok = connection.add(user.dn, attributes=attributes)
			assert ok, connection.result
		finally:
			connection.unbind()
		return self.highest_usn

	def admin_connection(self):
		"""An ldap3 connection as the directory admin, for changing the tree during a test."""
		import ldap3

		return ldap3.Connection(ldap3.Server(self.url), ADMIN_DN, ADMIN_PASSWORD, auto_bind=True)
