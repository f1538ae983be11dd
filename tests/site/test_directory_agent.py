"""The on-site directory agent (agent/xnet_directory_agent) end to end: a real slapd shaped like Active
Directory (tests/harness/slapd.py, with AD's uSNChanged added by its schema and numbered as AD numbers
changes) read over StartTLS, and the real test site over HTTP (tests/harness/http.py), through the SCIM
endpoint and the agent's heartbeat. The web server commits, so these tests work on their own companies
("TEST AGENT …") and remove them."""

import email
import email.policy
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import frappe
import ldap3
import pytest
import requests
from frappe.utils import now_datetime

from tests.harness import bench
from tests.harness import slapd as ldap_server
from tests.harness.directory_cleanup import remove_companies
from tests.harness.http import Server
from tests.harness.slapd import UAC_DISABLED, Slapd, User, ad_like_tree

AGENT_DIR = Path(__file__).resolve().parents[2] / "agent"
sys.path.insert(0, str(AGENT_DIR))

from xnet_directory_agent import config as agent_config
from xnet_directory_agent.agent import Agent

pytestmark = pytest.mark.skipif(
	bool(ldap_server.slapd_available()), reason=str(ldap_server.slapd_available())
)

COMPANY, OTHER = "TEST AGENT KarMet", "TEST AGENT Entra"
SCIM_TYPE = "application/scim+json"


def _cleanup():
	remove_companies("TEST AGENT")
	for user in frappe.get_all("User", {"name": ["like", "%@agent.karmet.kz"]}, pluck="name"):
		frappe.delete_doc("User", user, force=True, ignore_permissions=True)
	frappe.db.commit()


@pytest.fixture
def directory():
	with Slapd(size_limit=3) as server:  # paged reads only, like AD beyond MaxPageSize
		users = ad_like_tree()
		server.users = {u.uid: u for u in users}
		server.load(users)
		server.start()
		yield server


@pytest.fixture
def source(world):
	"""An On-site Agent source of a fresh company, and its token."""
	_cleanup()
	for company in (COMPANY, OTHER):
		frappe.get_doc(
			{"doctype": "Client Company", "company_name": company, "service_center": "TEST Karaganda"}
		).insert()
	doc = frappe.get_doc(
		{
			"doctype": "Directory Source",
			"source_name": f"{COMPANY} Agent",
			"client_company": COMPANY,
			"feed": "On-site Agent",
			"agent_expected_interval": 15,
		}
	).insert()
	token = doc.generate_scim_token()["token"]
	frappe.db.commit()
	yield {"name": doc.name, "token": token}
	_cleanup()


def write_config(tmp_path: Path, directory: Slapd, helpdesk_url: str, token: str, **schedule) -> Path:
	(tmp_path / "token").write_text(token)
	(tmp_path / "bind-password").write_text(directory.bind_password)
	(tmp_path / "ca.pem").write_text(directory.ca_pem)
	settings = {"poll_seconds": 60, "batch_size": 2, "workers": 2, "max_attempts": 3, **schedule}
	(tmp_path / "agent.ini").write_text(
		"\n".join(
			[
				"[helpdesk]",
				f"url = {helpdesk_url}",
				"token_file = token",
				"agent_id = karmet-dc1",
				"[directory]",
				f"url = {directory.url}",
				"start_tls = true",
				"ca_file = ca.pem",
				f"bind_dn = {directory.bind_dn}",
				"password_file = bind-password",
				f"base_dn = {directory.base_dn}",
				"user_filter = (objectClass=inetOrgPerson)",
				"page_size = 2",
				"[schedule]",
				*(f"{key} = {value}" for key, value in settings.items()),
				"[state]",
				f"path = {tmp_path / 'state' / 'position.json'}",
				"",
			]
		)
	)
	return tmp_path / "agent.ini"


def run_cli(config_path: Path, command: str) -> subprocess.CompletedProcess:
	"""The agent as a client installs it: its own process, `python -m xnet_directory_agent`."""
	return subprocess.run(
		[sys.executable, "-m", "xnet_directory_agent", "--config", str(config_path), command],
		cwd=AGENT_DIR,
		env={**os.environ, "PYTHONPATH": str(AGENT_DIR)},
		capture_output=True,
		text=True,
		timeout=300,
	)


def contacts(source_name: str) -> dict[str, frappe._dict]:
	"""externalId (objectGUID) -> the contact, as the web server committed it."""
	frappe.db.rollback()
	rows = frappe.get_all(
		"Contact",
		filters={"directory_source": source_name},
		fields=["name", "directory_external_id", "first_name", "last_name", "email_id", "disabled"],
	)
	found = {row.directory_external_id: row for row in rows}
	assert len(found) == len(rows), "two contacts with one objectGUID"
	return found


def source_row(name: str) -> frappe._dict:
	frappe.db.rollback()
	return frappe.db.get_value("Directory Source", name, "*", as_dict=True)


def agent_logs(name: str) -> list:
	frappe.db.rollback()
	return frappe.get_all(
		"Directory Sync Log",
		filters={"directory_source": name},
		fields=["name", "status", "trigger", "created", "updated", "deactivated", "skipped", "message"],
		order_by="creation asc",
	)


# --- end to end ---------------------------------------------------------------------------------------


def test_added_renamed_disabled_in_ad_appear_change_and_are_disabled(server, source, directory, tmp_path):
	config_path = write_config(tmp_path, directory, server.base, source["token"])
	users = directory.users

	first = run_cli(config_path, "once")
	assert first.returncode == 0, first.stderr
	found = contacts(source["name"])
	# o.petrova is disabled in AD and was never imported; no.guid has no objectGUID
	assert set(found) == {users[u].guid_string for u in ("a.ivanov", "g.nurlanova", "s.akhmetov")}
	ivanov = found[users["a.ivanov"].guid_string]
	assert (ivanov.first_name, ivanov.last_name, ivanov.email_id) == (
		"Алексей",
		"Иванов",
		"a.ivanov@karmet.kz",
	)
	phones = frappe.get_all("Contact Phone", {"parent": ivanov.name}, pluck="phone")
	assert sorted(phones) == ["+77011234567", "+77212505252", "+77212505253"]  # E.164, as the pull stores

	row = source_row(source["name"])
	assert row.agent_id == "karmet-dc1" and row.agent_version == "0.1.0" and row.agent_last_heartbeat
	assert row.agent_position == str(directory.highest_usn)
	assert row.agent_last_batch_result == "Accepted" and "3" in row.agent_last_batch
	assert "no.guid" in (row.agent_last_errors or "")  # the unmappable entry, reported
	logs = agent_logs(source["name"])
	assert [(log.trigger, log.status, log.created) for log in logs] == [("Agent", "Success", 3)]

	# a rename (surname and e-mail), a disabled account, a new account
	directory.change(
		users["a.ivanov"].dn,
		{
			"sn": [(ldap3.MODIFY_REPLACE, ["Петров"])],
			"displayName": [(ldap3.MODIFY_REPLACE, ["Алексей Петров"])],
			"mail": [(ldap3.MODIFY_REPLACE, ["a.petrov@karmet.kz"])],
		},
	)
	directory.change(
		users["g.nurlanova"].dn, {"userAccountControl": [(ldap3.MODIFY_REPLACE, [str(UAC_DISABLED)])]}
	)
	newcomer = User(
		"d.serikov", "Данияр", "Сериков", ("IT", "Karaganda", "Users"), mail="d.serikov@karmet.kz"
	)
	directory.add(newcomer)

	second = run_cli(config_path, "once")
	assert second.returncode == 0, second.stderr
	found = contacts(source["name"])
	assert len(found) == 4
	renamed = found[users["a.ivanov"].guid_string]
	assert renamed.name == ivanov.name  # the same contact, by objectGUID
	assert (renamed.last_name, renamed.email_id) == ("Петров", "a.petrov@karmet.kz")
	assert found[users["g.nurlanova"].guid_string].disabled == 1
	assert found[newcomer.guid_string].first_name == "Данияр"
	assert found[users["s.akhmetov"].guid_string].disabled == 0
	row = source_row(source["name"])
	assert row.agent_position == str(directory.highest_usn)
	logs = agent_logs(source["name"])
	assert len(logs) == 2 and (logs[1].created, logs[1].updated, logs[1].deactivated) == (1, 1, 1)

	# nothing changed in AD: the pass asks for what changed after the position, sends nothing, logs nothing
	third = run_cli(config_path, "once")
	assert third.returncode == 0, third.stderr
	assert len(agent_logs(source["name"])) == 2
	assert contacts(source["name"]) == found


def test_the_helpdesk_down_in_the_middle_loses_nothing_and_duplicates_nothing(site, source, tmp_path):
	people = [
		User(f"p{index:02}", f"Имя{index}", f"Фамилия{index}", mail=f"p{index:02}@agent.karmet.kz")
		for index in range(12)
	]
	first_server = Server(bench.site_name())
	with Slapd(size_limit=3) as directory:
		directory.load(people)
		directory.start()
		config_path = write_config(tmp_path, directory, first_server.base, source["token"], backoff_base=0.01)
		settings = agent_config.load(config_path)
		settings.schedule.backoff_base = 0.01

		def stop_after_second(number):
			if number == 2:
				first_server.stop()

		agent = Agent(settings, on_batch=stop_after_second)
		try:
			cut = agent.push_pass()
		finally:
			first_server.stop()
		assert cut.result == "failed" and "after 3 attempts" in cut.message
		assert len(contacts(source["name"])) == 4  # two batches of two were accepted before it went down
		assert agent.state_file.load().usn is None  # and the position did not move
		assert not agent.heartbeat()  # nobody to tell

		second_server = Server(bench.site_name())  # the helpdesk is back (on another port here)
		try:
			settings.helpdesk.url = second_server.base
			agent = Agent(settings)
			done = agent.push_pass()
			assert agent.heartbeat()
		finally:
			second_server.stop()
	assert done.result == "accepted", done.message
	assert done.counts["created"] == 8 and done.counts["updated"] == 4  # the four again: replaced, not added
	found = contacts(source["name"])
	assert set(found) == {p.guid_string for p in people}
	assert agent.state_file.load().usn == 12


def test_reconciliation_disables_what_vanished_under_the_deactivation_limit(
	server, source, directory, tmp_path
):
	config_path = write_config(tmp_path, directory, server.base, source["token"])
	assert run_cli(config_path, "once").returncode == 0
	users = directory.users
	admin = directory.admin_connection()
	for login in ("a.ivanov", "g.nurlanova"):
		assert admin.delete(users[login].dn), admin.result
	admin.unbind()

	# two of three active contacts gone at once: more than the source's 50 %; nobody is disabled
	refused = run_cli(config_path, "reconcile")
	assert refused.returncode == 1
	assert not any(c.disabled for c in contacts(source["name"]).values())
	row = source_row(source["name"])
	assert row.agent_last_batch_result == "Failed" and "limit of 50%" in row.agent_last_batch
	failed = [log for log in agent_logs(source["name"]) if log.status == "Failed"]
	assert len(failed) == 1 and "nobody was disabled" in failed[0].message

	# the Helpdesk Manager raises the limit: the agent reads it from its next heartbeat's answer
	frappe.db.set_value("Directory Source", source["name"], "max_deactivation_percent", 100)
	frappe.db.commit()
	done = run_cli(config_path, "reconcile")
	assert done.returncode == 0, done.stderr
	found = contacts(source["name"])
	assert {guid for guid, c in found.items() if c.disabled} == {
		users["a.ivanov"].guid_string,
		users["g.nurlanova"].guid_string,
	}
	assert found[users["s.akhmetov"].guid_string].disabled == 0
	assert agent_logs(source["name"])[-1].deactivated == 2


# --- the heartbeat endpoint ---------------------------------------------------------------------------


def heartbeat(server, token, body, method="POST"):
	headers = {"Content-Type": SCIM_TYPE}
	if token:
		headers["Authorization"] = f"Bearer {token}"
	return requests.request(
		method, server.base + "/scim/v2/AgentHeartbeat", json=body, headers=headers, timeout=30
	)


AGENT_FIELDS = ("agent_last_heartbeat", "agent_id", "agent_version", "agent_position", "agent_last_errors")


def test_heartbeat_bad_input_is_refused_and_changes_nothing(server, source):
	good = {"agent_id": "karmet-dc1", "version": "0.1.0", "position": 7, "errors": []}
	answer = heartbeat(server, source["token"], good)
	assert answer.status_code == 200, answer.text
	assert (
		answer.json()["max_deactivation_percent"] == 50 and answer.json()["expected_interval_minutes"] == 15
	)
	before = {k: source_row(source["name"])[k] for k in AGENT_FIELDS}
	assert before["agent_position"] == "7"

	entra = frappe.get_doc(
		{
			"doctype": "Directory Source",
			"source_name": f"{OTHER} Entra",
			"client_company": OTHER,
			"feed": "SCIM Push",
		}
	).insert()
	entra_token = entra.generate_scim_token()["token"]
	frappe.db.commit()

	cases = [
		(None, good, 401, None),
		("xscim_" + "x" * 43, good, 401, None),
		(entra_token, good, 400, "On-site Agent"),  # an Entra source has no agent
		(source["token"], {"version": "0.1.0"}, 400, "agent_id"),
		(source["token"], {**good, "position": "seven"}, 400, "position"),
		(source["token"], {**good, "last_batch": {"kind": "full", "result": "maybe"}}, 400, "result"),
		(source["token"], ["not", "an", "object"], 400, "JSON object"),
	]
	for token, body, status, words in cases:
		response = heartbeat(server, token, body)
		assert response.status_code == status, (body, response.text)
		assert response.headers["Content-Type"].startswith(SCIM_TYPE)
		if words:
			assert words in response.json()["detail"]
	assert heartbeat(server, source["token"], None, method="GET").status_code == 405
	broken = requests.post(
		server.base + "/scim/v2/AgentHeartbeat",
		data=b"{not json",
		# Frappe parses JSON before the app's hooks (see test_scim.test_bad_bodies_change_nothing)
		headers={
			"Content-Type": SCIM_TYPE,
			"Accept": "application/scim+json, application/json",
			"Authorization": f"Bearer {source['token']}",
		},
		timeout=30,
	)
	assert broken.status_code == 400, broken.text[:3000]
	assert {k: source_row(source["name"])[k] for k in AGENT_FIELDS} == before
	assert frappe.db.get_value("Directory Source", entra.name, "agent_last_heartbeat") is None


# --- silence --------------------------------------------------------------------------------------


def test_a_silent_agent_is_reported_to_the_managers_once_per_silence(server, source, world):
	from tests.harness.assignment_world import ensure_outgoing_email_account
	from xnet_helpdesk.directory.agents import check_silent_agents, managers

	ensure_outgoing_email_account()
	frappe.db.commit()

	manager = world["users"]["manager"]
	assert manager in managers()
	assert heartbeat(server, source["token"], {"agent_id": "karmet-dc1", "version": "0.1.0"}).ok

	def alerts():
		frappe.db.rollback()
		return frappe.get_all(
			"Notification Log",
			filters={
				"document_type": "Directory Source",
				"document_name": source["name"],
				"for_user": manager,
			},
			pluck="subject",
		)

	_remove_alerts(source["name"])
	assert check_silent_agents() == 0 and alerts() == []  # heard a moment ago
	frappe.db.set_value(
		"Directory Source", source["name"], "agent_last_heartbeat", now_datetime() - timedelta(minutes=16)
	)
	frappe.db.commit()
	assert check_silent_agents() == 1
	subjects = alerts()
	assert len(subjects) == 1
	assert subjects[0] == f"Агент каталога {source['name']} молчит"  # the manager reads Russian
	# one e-mail to this manager (the demo, when loaded, has a Helpdesk Manager of its own)
	queued = frappe.get_all(
		"Email Queue",
		filters={"reference_doctype": "Directory Source", "reference_name": source["name"]},
		pluck="name",
	)
	to_manager = frappe.get_all(
		"Email Queue Recipient",
		filters={
			"parent": ("in", queued or [""]),
			"recipient": frappe.db.get_value("User", manager, "email"),
		},
		pluck="parent",
	)
	mails = [frappe.db.get_value("Email Queue", name, "message") for name in to_manager]
	assert len(mails) == 1
	mail = email.message_from_string(mails[0], policy=email.policy.default)
	assert mail["Subject"] == subjects[0]  # and by e-mail, in Russian too
	assert check_silent_agents() == 0 and len(alerts()) == 1  # the next ticks stay quiet

	# heard again, then silent again: a new silence, a new alert
	assert heartbeat(server, source["token"], {"agent_id": "karmet-dc1", "version": "0.1.0"}).ok
	assert source_row(source["name"]).agent_silence_reported_on is None
	frappe.db.set_value(
		"Directory Source", source["name"], "agent_last_heartbeat", now_datetime() - timedelta(hours=1)
	)
	frappe.db.commit()
	assert check_silent_agents() == 1 and len(alerts()) == 2
	_remove_alerts(source["name"])


def _remove_alerts(source_name):
	frappe.db.rollback()
	frappe.db.delete("Notification Log", {"document_type": "Directory Source", "document_name": source_name})
	for name in frappe.get_all(
		"Email Queue", {"reference_doctype": "Directory Source", "reference_name": source_name}, pluck="name"
	):
		frappe.delete_doc("Email Queue", name, force=True, ignore_permissions=True)
	frappe.db.commit()


def test_the_other_feeds_are_not_watched(source):
	from xnet_helpdesk.directory.agents import silent_agents

	frappe.db.set_value(
		"Directory Source",
		source["name"],
		{"feed": "SCIM Push", "agent_last_heartbeat": now_datetime() - timedelta(days=1)},
	)
	assert source["name"] not in {row.name for row in silent_agents()}
	frappe.db.rollback()
