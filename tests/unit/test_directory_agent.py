"""The on-site directory agent (agent/xnet_directory_agent) without a directory or a helpdesk: the position
file, the attribute map, the backoff, the pass's rule that the position moves only after every batch was
accepted, the configuration's refusals; and the helpdesk's pure reading of a heartbeat. The agent against
a real slapd and the real site: tests/site/test_directory_agent.py."""

import json
import os
import sys
import uuid
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

AGENT_DIR = Path(__file__).resolve().parents[2] / "agent"
sys.path.insert(0, str(AGENT_DIR))

from xnet_directory_agent import agent as agent_module
from xnet_directory_agent import backoff, config, directory, state
from xnet_directory_agent.helpdesk import Rejected, Unavailable
from xnet_directory_agent.mapping import (
	ENTERPRISE,
	Unmappable,
	change_number,
	deactivation_guard,
	scim_user,
)

from xnet_helpdesk.directory import heartbeat
from xnet_helpdesk.directory import mapping as helpdesk_mapping

GUID = uuid.UUID("6f9619ff-8b86-d011-b42d-00c04fc964ff")


def ad_entry(**values):
	entry = {
		"sAMAccountName": ["a.ivanov"],
		"userPrincipalName": ["a.ivanov@karmet.kz"],
		"displayName": ["Алексей Иванов"],
		"givenName": ["Алексей"],
		"sn": ["Иванов"],
		"mail": ["A.Ivanov@KarMet.kz"],
		"telephoneNumber": ["+7 (7212) 50-52-52"],
		"otherTelephone": ["8 7212 50-52-53"],
		"mobile": ["8 701 123 45 67"],
		"department": ["Отдел ИТ"],
		"title": ["Системный администратор"],
		"userAccountControl": ["512"],
		"uSNChanged": ["40211"],
	}
	entry.update(values)
	return {k: v for k, v in entry.items() if v is not None}


# --- attribute map ------------------------------------------------------------------------------------


def test_an_ad_entry_becomes_the_scim_user_the_helpdesk_reads():
	user = scim_user(ad_entry(), config.DEFAULT_MAP, raw_id=GUID.bytes_le)
	assert user["externalId"] == "6f9619ff-8b86-d011-b42d-00c04fc964ff"  # objectGUID, little-endian bytes
	assert user["userName"] == "a.ivanov"
	assert user["name"] == {"givenName": "Алексей", "familyName": "Иванов"}
	assert user["emails"] == [{"value": "A.Ivanov@KarMet.kz", "type": "work", "primary": True}]
	# raw, as typed: the helpdesk normalises phones with the code its LDAP pull uses
	assert user["phoneNumbers"] == [
		{"value": "+7 (7212) 50-52-52", "type": "work"},
		{"value": "8 7212 50-52-53", "type": "work"},
		{"value": "8 701 123 45 67", "type": "mobile"},
	]
	assert user[ENTERPRISE] == {"department": "Отдел ИТ"} and ENTERPRISE in user["schemas"]
	assert user["active"] is True


def test_the_helpdesk_reads_the_agents_user_as_its_pull_reads_the_entry():
	"""One merge path: the agent's SCIM user gives the helpdesk the person its LDAP pull would make."""
	from xnet_helpdesk.scim.users import person_from_user

	entry = ad_entry()
	pushed = person_from_user(scim_user(entry, config.DEFAULT_MAP, raw_id=GUID.bytes_le), "id-1")
	pulled = helpdesk_mapping.person_from_entry(
		"cn=a.ivanov", entry, helpdesk_mapping.PRESETS["Active Directory"], raw_id=GUID.bytes_le
	)
	assert pushed.snapshot() == pulled.snapshot()


@pytest.mark.parametrize(
	"control, active", [("512", True), ("514", False), ("66050", False), ("66048", True)]
)
def test_disabled_by_user_account_control_bit_2(control, active):
	user = scim_user(ad_entry(userAccountControl=[control]), config.DEFAULT_MAP, raw_id=GUID.bytes_le)
	assert user["active"] is active


def test_a_custom_map_and_the_principal_name_when_there_is_no_login():
	mapped = {**config.DEFAULT_MAP, "username": "", "email": "proxyMail"}
	user = scim_user(ad_entry(proxyMail=["x@karmet.kz"]), mapped, raw_id=GUID.bytes_le)
	assert user["userName"] == "a.ivanov@karmet.kz"
	assert user["emails"][0]["value"] == "x@karmet.kz"


def test_entries_that_cannot_be_users_are_refused_with_the_reason():
	with pytest.raises(Unmappable, match="objectGUID"):
		scim_user(ad_entry(), config.DEFAULT_MAP, raw_id=None)
	with pytest.raises(Unmappable, match="login"):
		scim_user(
			ad_entry(sAMAccountName=None, userPrincipalName=None), config.DEFAULT_MAP, raw_id=GUID.bytes_le
		)


def test_change_numbers_and_the_incremental_filter():
	assert change_number(ad_entry(), "uSNChanged") == 40211
	assert change_number(ad_entry(uSNChanged=None), "uSNChanged") is None
	settings = config.DirectoryConfig(url="ldaps://dc", base_dn="dc=x")
	assert directory.search_filter(settings, None) == config.AD_FILTER
	assert directory.search_filter(settings, 40211) == f"(&{config.AD_FILTER}(uSNChanged>=40212))"


@pytest.mark.parametrize("seen", [0, 10, 1000])
@pytest.mark.parametrize("active", [0, 10, 1000])
@pytest.mark.parametrize("missing", [0, 1, 5, 6, 501, 1000])
@pytest.mark.parametrize("percent", [0, 50, 100])
def test_the_deactivation_guard_is_the_helpdesks(seen, active, missing, percent):
	assert deactivation_guard(seen, active, missing, percent) == helpdesk_mapping.deactivation_guard(
		seen, active, missing, percent
	)


# --- backoff ------------------------------------------------------------------------------------------


def test_backoff_doubles_up_to_the_cap_with_full_jitter():
	assert list(backoff.delays(2, 300, 6, rng=lambda: 1.0)) == [2, 4, 8, 16, 32]
	assert list(backoff.delays(2, 10, 6, rng=lambda: 1.0)) == [2, 4, 8, 10, 10]
	assert list(backoff.delays(2, 10, 6, rng=lambda: 0.0)) == [0, 0, 0, 0, 0]
	assert list(backoff.delays(2, 10, 1)) == []
	waits = list(backoff.delays(2, 300, 8))
	assert all(0 <= w <= 2 * 2**n for n, w in enumerate(waits))
	assert backoff.ceiling(2, 300, 6) == 62


# --- the position on disk -----------------------------------------------------------------------------


def test_the_position_survives_a_restart_and_a_failed_write(tmp_path, monkeypatch):
	store = state.StateFile(tmp_path / "state.json")
	assert store.load().usn is None  # no file: the first pass reads everything
	store.save(state.State(usn=40211, directory="ldaps://dc x"))
	assert store.load().usn == 40211

	def crash(*args):
		raise OSError("disk full")

	monkeypatch.setattr(os, "replace", crash)
	with pytest.raises(OSError):
		store.save(state.State(usn=99999))
	monkeypatch.undo()
	assert store.load().usn == 40211  # the old position, whole
	assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary file left


@pytest.mark.parametrize("text", ["{", "[]", '{"version": 1, "usn": -5}', '{"version": 7, "usn": 1}'])
def test_a_damaged_position_file_is_refused_not_guessed(tmp_path, text):
	(tmp_path / "state.json").write_text(text)
	with pytest.raises(state.StateError):
		state.StateFile(tmp_path / "state.json").load()


class FakeHelpdesk:
	"""Takes users into a dict keyed by externalId; `down` makes every push Unavailable."""

	def __init__(self):
		self.users: dict[str, dict] = {}
		self.down = False
		self.pushes = 0
		self.batch_key = ""
		self.reject = set()

	def push(self, user):
		self.pushes += 1
		if self.down:
			raise Unavailable("connection refused")
		if user["externalId"] in self.reject:
			raise Rejected(409, "userName taken")
		known = user["externalId"] in self.users
		self.users[user["externalId"]] = user
		return "updated" if known else "created"

	def heartbeat(self, report):
		return {"max_deactivation_percent": 50}


def _entries(count, first_usn=1):
	for index in range(count):
		guid = uuid.UUID(int=index + 1)
		yield directory.Entry(
			f"cn=u{index}",
			ad_entry(sAMAccountName=[f"u{index}"], uSNChanged=[str(first_usn + index)]),
			guid.bytes_le,
			first_usn + index,
		)


def _agent(tmp_path, monkeypatch, helpdesk, entries, batch_size=3, on_batch=None):
	settings = config.Config(
		directory=config.DirectoryConfig(url="ldaps://dc", base_dn="dc=karmet"),
		helpdesk=config.HelpdeskConfig(url="https://helpdesk", token="xscim_t", agent_id="dc1"),
		schedule=config.ScheduleConfig(batch_size=batch_size, workers=2, max_attempts=3),
		state_path=str(tmp_path / "state.json"),
	)
	reads = []
	monkeypatch.setattr(directory, "connect", lambda _settings: object())
	monkeypatch.setattr(directory, "close", lambda _connection: None)
	monkeypatch.setattr(directory, "highest_committed", lambda _connection: None)

	def iter_entries(_connection, _settings, since, ids_only=False):
		reads.append(since)
		return (e for e in entries() if since is None or e.change_number > since)

	monkeypatch.setattr(directory, "iter_entries", iter_entries)
	sleeps = []
	agent = agent_module.Agent(settings, helpdesk, sleep=sleeps.append, on_batch=on_batch)
	return agent, reads, sleeps


def test_the_position_moves_only_after_every_batch_was_accepted(tmp_path, monkeypatch):
	helpdesk = FakeHelpdesk()
	# the helpdesk goes away after the second batch of the first pass
	agent, reads, sleeps = _agent(
		tmp_path,
		monkeypatch,
		helpdesk,
		lambda: _entries(10),
		on_batch=lambda number: setattr(helpdesk, "down", number == 2),
	)
	failed = agent.push_pass()
	assert failed.result == "failed" and "after 3 attempts" in failed.message
	assert len(sleeps) == 2  # backoff between the three attempts of batch 3
	assert agent.state_file.load().usn is None  # nothing moved: the next pass reads all again
	assert len(helpdesk.users) == 6

	helpdesk.down = False
	agent.on_batch = None
	done = agent.push_pass()
	assert done.result == "accepted" and done.position == 10
	assert reads == [None, None]
	assert len(helpdesk.users) == 10  # each once: the six sent twice were replaced, not duplicated
	assert done.counts == Counter({"created": 4, "updated": 6})
	assert agent.state_file.load().usn == 10

	# an incremental pass asks for what changed after the position, and moves it
	more = lambda: _entries(12)  # noqa: E731
	monkeypatch.setattr(
		directory,
		"iter_entries",
		lambda _c, _s, since, ids_only=False: (
			reads.append(since),
			(e for e in more() if e.change_number > since),
		)[1],
	)
	step = agent.push_pass()
	assert reads[-1] == 10 and step.counts == Counter({"created": 2}) and step.position == 12


def test_a_rejected_entry_is_reported_not_retried_and_does_not_hold_the_position(tmp_path, monkeypatch):
	helpdesk = FakeHelpdesk()
	helpdesk.reject.add(str(uuid.UUID(int=2)))
	agent, _reads, sleeps = _agent(tmp_path, monkeypatch, helpdesk, lambda: _entries(4))
	result = agent.push_pass()
	assert result.result == "accepted" and result.counts["rejected"] == 1 and not sleeps
	assert agent.state_file.load().usn == 4
	assert any("userName taken" in e for e in agent.report()["errors"])


# --- configuration ------------------------------------------------------------------------------------


EXAMPLE = (AGENT_DIR / "agent.example.ini").read_text()


def test_the_example_configuration_reads(tmp_path):
	(tmp_path / "token").write_text("xscim_secret\n")
	(tmp_path / "bind-password").write_text("Пароль")
	settings = config.parse(EXAMPLE, tmp_path)
	assert settings.helpdesk.token == "xscim_secret" and settings.directory.password == "Пароль"
	assert settings.directory.attribute_map == config.DEFAULT_MAP
	assert settings.schedule.poll_seconds == 300 and settings.directory.change_attribute == "uSNChanged"
	assert "secret" not in repr(settings) and "Пароль" not in repr(settings)


def test_the_map_has_the_directory_sources_defaults():
	assert config.DEFAULT_MAP == helpdesk_mapping.PRESETS["Active Directory"]


@pytest.mark.parametrize(
	"change, message",
	[
		(("token_file = token", "token = xscim_inline"), "not in the configuration"),
		(("url = ldaps://dc1.karmet.local:636", "url = ldap://dc1.karmet.local"), "start_tls"),
		(("url = https://helpdesk.example.kz", "url = helpdesk.example.kz"), "https://"),
		(("batch_size = 200", "batch_size = lots"), "whole number"),
		(("base_dn = OU=Users,DC=karmet,DC=local", "base_dn ="), "base_dn"),
		(("title = title", "titel = title"), "titel"),
	],
)
def test_bad_configurations_say_which_setting(tmp_path, change, message):
	(tmp_path / "token").write_text("xscim_secret")
	(tmp_path / "bind-password").write_text("p")
	assert change[0] in EXAMPLE
	with pytest.raises(config.ConfigError, match=message):
		config.parse(EXAMPLE.replace(change[0], change[1]), tmp_path)


# --- the helpdesk's reading of a heartbeat ------------------------------------------------------------


def _report(**values):
	body = {
		"agent_id": "dc1",
		"version": "0.1.0",
		"hostname": "dc1.karmet.local",
		"position": 40211,
		"errors": ["2026-12-10 10:00:00 connection refused"],
		"last_batch": {
			"kind": "incremental",
			"result": "accepted",
			"size": 3,
			"seconds": 1.5,
			"counts": {"created": 1, "updated": 2},
			"batch": "dc1:0123456789ab",
		},
	}
	body.update(values)
	return body


def test_a_heartbeat_is_read():
	report = heartbeat.parse_report(_report())
	assert report.agent_id == "dc1" and report.position == 40211
	assert report.batch.result == "Accepted" and report.batch.counts == {"created": 1, "updated": 2}
	assert heartbeat.parse_report({"agent_id": "dc1", "version": "0.1.0"}).batch is None


@pytest.mark.parametrize(
	"body, field",
	[
		([], "JSON object"),
		(_report(agent_id=""), "agent_id"),
		(_report(agent_id=7), "agent_id"),
		(_report(version=None), "version"),
		(_report(position=-1), "position"),
		(_report(position="40211"), "position"),
		(_report(position=True), "position"),
		(_report(errors="boom"), "errors"),
		(_report(errors=["x"] * 21), "errors"),
		(_report(hostname="a\x00b"), "control"),
		(_report(last_batch={"kind": "all", "result": "accepted"}), "kind"),
		(_report(last_batch={"kind": "full", "result": "ok"}), "result"),
		(_report(last_batch={"kind": "full", "result": "failed", "counts": {"x": -1}}), "counts"),
		(_report(last_batch={"kind": "full", "result": "failed", "batch": "a b"}), "batch"),
		(_report(agent_id="x" * 141), "longer"),
	],
)
def test_a_malformed_heartbeat_is_refused_naming_the_field(body, field):
	with pytest.raises(heartbeat.BadReport, match=field):
		heartbeat.parse_report(json.loads(json.dumps(body)))


def test_silence_counts_once_from_the_last_heartbeat():
	now = datetime(2026, 12, 10, 12, 0)
	seen = now - timedelta(minutes=16)
	assert heartbeat.is_silent(seen, 15, None, now)
	assert not heartbeat.is_silent(now - timedelta(minutes=14), 15, None, now)
	assert not heartbeat.is_silent(seen, 15, now - timedelta(minutes=1), now)  # reported already
	assert heartbeat.is_silent(seen, 15, seen - timedelta(hours=3), now)  # an earlier silence's report
	assert not heartbeat.is_silent(None, 15, None, now)  # never installed
	assert not heartbeat.is_silent(seen, 0, None, now)  # alerts switched off
