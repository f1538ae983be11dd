"""The agent's configuration: one INI file (see agent.example.ini). Secrets (the helpdesk's bearer token,
the directory's bind password) come from a file or an environment variable, never from the INI itself, so
the file can be shown to anyone."""

import configparser
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

# the attribute map: the same keys and Active Directory defaults as the Directory Source's map_* fields
DEFAULT_MAP = {
	"id": "objectGUID",
	"username": "sAMAccountName",
	"principal_name": "userPrincipalName",
	"display_name": "displayName",
	"first_name": "givenName",
	"last_name": "sn",
	"email": "mail",
	"phone": "telephoneNumber, otherTelephone",
	"mobile": "mobile, otherMobile",
	"department": "department",
	"title": "title",
	"account_control": "userAccountControl",
}
AD_FILTER = "(&(objectCategory=person)(objectClass=user))"


class ConfigError(Exception):
	"""A configuration the agent cannot run with; the message says which setting."""


@dataclass
class DirectoryConfig:
	url: str
	base_dn: str
	bind_dn: str = ""
	password: str = field(default="", repr=False)
	start_tls: bool = False
	verify_certificate: bool = True
	ca_file: str = ""
	user_filter: str = AD_FILTER
	page_size: int = 1000
	timeout: int = 15
	change_attribute: str = "uSNChanged"
	attribute_map: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_MAP))


@dataclass
class HelpdeskConfig:
	url: str
	token: str = field(default="", repr=False)
	verify: bool | str = True  # True, False or a CA bundle's path
	timeout: int = 30
	agent_id: str = ""


@dataclass
class ScheduleConfig:
	poll_seconds: int = 300  # between incremental passes
	heartbeat_seconds: int = 300
	reconcile_seconds: int = 86400  # full reconciliation (what vanished from AD is disabled)
	batch_size: int = 200  # entries per batch: the position moves only after whole batches are accepted
	workers: int = 4  # parallel HTTP requests within a batch
	max_attempts: int = 6  # per batch, before the pass is abandoned (and retried from the same position)
	backoff_base: float = 2.0
	backoff_max: float = 300.0


@dataclass
class Config:
	directory: DirectoryConfig
	helpdesk: HelpdeskConfig
	schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
	state_path: str = "/var/lib/xnet-directory-agent/state.json"


def _secret(section: configparser.SectionProxy, name: str, base: Path) -> str:
	"""`<name>_file` (a path, relative to the config file) or `<name>_env` (a variable's name)."""
	path = section.get(f"{name}_file", "").strip()
	env = section.get(f"{name}_env", "").strip()
	if section.get(name, "").strip():
		raise ConfigError(
			f"[{section.name}] {name}: put the secret in a file ({name}_file) or an environment "
			f"variable ({name}_env), not in the configuration"
		)
	if path:
		file = (base / path).expanduser()
		try:
			return file.read_text(encoding="utf-8").strip()
		except OSError as error:
			raise ConfigError(f"[{section.name}] {name}_file: cannot read {file}: {error.strerror}") from None
	if env:
		value = os.environ.get(env, "").strip()
		if not value:
			raise ConfigError(f"[{section.name}] {name}_env: the variable {env} is empty or not set")
		return value
	return ""


def _int(section: configparser.SectionProxy, name: str, default: int, low: int, high: int) -> int:
	try:
		value = section.getint(name, fallback=default)
	except ValueError:
		raise ConfigError(f"[{section.name}] {name} must be a whole number") from None
	if not low <= value <= high:
		raise ConfigError(f"[{section.name}] {name} must be between {low} and {high}")
	return value


def _bool(section: configparser.SectionProxy, name: str, default: bool) -> bool:
	try:
		return section.getboolean(name, fallback=default)
	except ValueError:
		raise ConfigError(f"[{section.name}] {name} must be true or false") from None


def parse(text: str, base: Path | None = None) -> Config:
	"""The configuration from the INI text; `base`: the folder relative secret paths start from."""
	base = base or Path.cwd()
	parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";", "#"))
	parser.optionxform = str  # attribute names keep their case
	try:
		parser.read_string(text)
	except configparser.Error as error:
		raise ConfigError(f"not a valid INI file: {error}") from None
	for name in ("helpdesk", "directory"):
		if not parser.has_section(name):
			raise ConfigError(f"the section [{name}] is missing")
	h, d = parser["helpdesk"], parser["directory"]
	s = parser["schedule"] if parser.has_section("schedule") else parser["DEFAULT"]

	helpdesk_url = h.get("url", "").strip().rstrip("/")
	parts = urlsplit(helpdesk_url)
	if parts.scheme not in ("https", "http") or not parts.hostname:
		raise ConfigError("[helpdesk] url must look like https://helpdesk.example")
	token = _secret(h, "token", base)
	if not token:
		raise ConfigError(
			"[helpdesk] token_file or token_env is required (the Directory Source's SCIM token)"
		)
	verify: bool | str = h.get("ca_file", "").strip() or _bool(h, "verify_certificate", True)

	directory_url = d.get("url", "").strip()
	scheme = urlsplit(directory_url).scheme
	if scheme not in ("ldap", "ldaps") or not urlsplit(directory_url).hostname:
		raise ConfigError("[directory] url must look like ldaps://dc1.example.local:636")
	start_tls = _bool(d, "start_tls", False)
	if scheme == "ldaps" and start_tls:
		raise ConfigError("[directory] start_tls is for ldap:// URLs: ldaps:// is encrypted already")
	if scheme == "ldap" and not start_tls and not _bool(d, "allow_plain_ldap", False):
		raise ConfigError(
			"[directory] an ldap:// URL needs start_tls = true (the password would travel in clear); "
			"allow_plain_ldap = true only for a lab"
		)
	base_dn = d.get("base_dn", "").strip()
	if not base_dn:
		raise ConfigError("[directory] base_dn is required")
	attribute_map = dict(DEFAULT_MAP)
	if parser.has_section("map"):
		for key, value in parser["map"].items():
			if key in parser.defaults():
				continue
			if key not in DEFAULT_MAP:
				raise ConfigError(f"[map] {key} is not a known key ({', '.join(DEFAULT_MAP)})")
			attribute_map[key] = value.strip()
	if not attribute_map["id"]:
		raise ConfigError("[map] id is required (objectGUID for Active Directory)")

	schedule = ScheduleConfig(
		poll_seconds=_int(s, "poll_seconds", 300, 5, 86400),
		heartbeat_seconds=_int(s, "heartbeat_seconds", 300, 5, 86400),
		reconcile_seconds=_int(s, "reconcile_seconds", 86400, 0, 30 * 86400),
		batch_size=_int(s, "batch_size", 200, 1, 5000),
		workers=_int(s, "workers", 4, 1, 32),
		max_attempts=_int(s, "max_attempts", 6, 1, 100),
	)
	return Config(
		directory=DirectoryConfig(
			url=directory_url,
			base_dn=base_dn,
			bind_dn=d.get("bind_dn", "").strip(),
			password=_secret(d, "password", base),
			start_tls=start_tls,
			verify_certificate=_bool(d, "verify_certificate", True),
			ca_file=str((base / d["ca_file"].strip()).expanduser()) if d.get("ca_file", "").strip() else "",
			user_filter=d.get("user_filter", "").strip() or AD_FILTER,
			page_size=_int(d, "page_size", 1000, 1, 10000),
			timeout=_int(d, "timeout", 15, 1, 600),
			change_attribute=d.get("change_attribute", "").strip() or "uSNChanged",
			attribute_map=attribute_map,
		),
		helpdesk=HelpdeskConfig(
			url=helpdesk_url,
			token=token,
			verify=verify,
			timeout=_int(h, "timeout", 30, 1, 600),
			agent_id=h.get("agent_id", "").strip() or socket.gethostname(),
		),
		schedule=schedule,
		state_path=(parser.get("state", "path", fallback="").strip() if parser.has_section("state") else "")
		or "/var/lib/xnet-directory-agent/state.json",
	)


def load(path: str | Path) -> Config:
	path = Path(path)
	try:
		text = path.read_text(encoding="utf-8")
	except OSError as error:
		raise ConfigError(f"cannot read {path}: {error.strerror}") from None
	return parse(text, path.parent)
