"""Directory sync against a real OpenLDAP server (slapd on loopback, started per test).

The sync is a background job and commits as it goes, so these tests do not rely on the per-test
rollback: each works on its own client company ("TEST DIR …") and removes everything it made.
"""

import socket
import uuid

import frappe
import pytest
from frappe.utils import add_to_date, now_datetime

from tests.harness import slapd as ldap_server
from tests.harness.directory_cleanup import remove_companies
from tests.harness.slapd import UAC_DISABLED, UAC_NORMAL, Slapd, User, ad_like_tree
from xnet_helpdesk.directory import client, sync

pytestmark = pytest.mark.skipif(
	bool(ldap_server.slapd_available()), reason=str(ldap_server.slapd_available())
)

COMPANY = "TEST DIR KarMet"
OTHER_COMPANY = "TEST DIR KarMet Branch"
WRONG_PASSWORD = "Wr0ng-Пароль*)(secret"


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture
def directory():
	"""slapd with the AD-like tree; server.users[login] is the User as loaded."""
	with Slapd(size_limit=3) as server:
		users = ad_like_tree()
		server.users = {u.uid: u for u in users}
		server.load(users)
		server.start()
		yield server


@pytest.fixture
def company(world):
	_cleanup()
	world_contacts = frappe.db.count("Contact", {"directory_source": ["is", "not set"]})
	for name in (COMPANY, OTHER_COMPANY):
		frappe.get_doc(
			{"doctype": "Client Company", "company_name": name, "service_center": "TEST Karaganda"}
		).insert()
	frappe.db.commit()
	yield COMPANY
	_cleanup()
	# contacts these tests did not make are all still there
	assert frappe.db.count("Contact", {"directory_source": ["is", "not set"]}) >= world_contacts


def _cleanup():
	remove_companies("TEST DIR")
	for user in frappe.get_all("User", {"name": ["like", "%@karmet.kz"]}, pluck="name"):
		frappe.delete_doc("User", user, force=True, ignore_permissions=True)
	frappe.db.commit()


def make_source(server: Slapd, company: str = COMPANY, **values):
	doc = frappe.get_doc(
		{
			"doctype": "Directory Source",
			"source_name": f"TEST DIR {uuid.uuid4().hex[:8]}",
			"client_company": company,
			"directory_type": "Active Directory",
			"server_url": server.url,
			"bind_dn": server.bind_dn,
			"bind_password": server.bind_password,
			"base_dn": server.base_dn,
			"user_filter": "(objectClass=inetOrgPerson)",
			"page_size": 2,
			"timeout": 5,
			**values,
		}
	)
	doc.insert()
	frappe.db.commit()
	return doc


def sync_now(source):
	log = frappe.get_doc("Directory Sync Log", sync.run_sync(source.name))
	return log


def contacts_of(source) -> dict[str, frappe._dict]:
	rows = frappe.get_all(
		"Contact",
		filters={"directory_source": source.name},
		fields=[
			"name",
			"first_name",
			"last_name",
			"email_id",
			"phone",
			"mobile_no",
			"disabled",
			"modified",
			"directory_id",
		],
	)
	return {row.directory_id: row for row in rows}


def counts(log) -> dict:
	return {
		key: log.get(key)
		for key in ("created", "updated", "adopted", "unchanged", "deactivated", "skipped")
		if log.get(key)
	}


def guid(server, login) -> str:
	return server.users[login].guid_string


# --- first sync, re-sync, changes --------------------------------------------------------------------


def test_first_sync_imports_the_company_staff(company, directory):
	source = make_source(directory)
	log = sync_now(source)

	assert log.status == "Success", log.message
	assert counts(log) == {"created": 3, "skipped": 2}
	assert log.entries_seen == 5
	assert log.duration is not None and log.finished_on
	reasons = {row.dn.split(",")[0]: row.reason for row in log.entries if row.kind == "Skipped"}
	assert "objectGUID" in reasons["cn=no.guid"]
	assert "disabled" in reasons["cn=o.petrova"].lower()
	assert any(row.kind == "Warning" and "not a phone" in row.reason for row in log.entries)

	contact = frappe.get_doc("Contact", contacts_of(source)[guid(directory, "a.ivanov")].name)
	assert (contact.first_name, contact.last_name) == ("Алексей", "Иванов")
	assert contact.email_id == "a.ivanov@karmet.kz"
	assert contact.phone == "+77212505252"
	assert contact.mobile_no == "+77011234567"
	assert sorted(p.phone for p in contact.phone_nos) == ["+77011234567", "+77212505252", "+77212505253"]
	assert (contact.department, contact.designation) == ("Отдел ИТ", "Системный администратор")
	assert contact.directory_username == "a.ivanov"
	assert contact.disabled == 0
	assert [(link.link_doctype, link.link_name) for link in contact.links] == [("Client Company", COMPANY)]
	assert not contact.image  # no gravatar look-up for client staff

	source.reload()
	assert source.last_sync_status == "Success"
	assert source.last_sync_log == log.name


def test_new_contacts_are_whole_contacts_named_as_frappe_names_them(company, directory):
	"""New contacts are written a page at a time; they must be what Contact.insert() would write."""
	with directory.admin_connection() as ldap:
		for login in ("i.kim", "i.kim2"):
			user = User(login, "Иван", "Ким", ("Users",), mail=f"{login}@karmet.kz")
			ldap.add(
				user.dn,
				["inetOrgPerson", "xnetADUser"],
				{"cn": login, "sn": "Ким", "givenName": "Иван", "mail": user.mail, "objectGUID": user.guid},
			)
	frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": "Иван",
			"last_name": "Ким",
			"links": [{"link_doctype": "Client Company", "link_name": COMPANY}],
		}
	).insert()
	frappe.db.commit()
	source = make_source(directory)

	sync_now(source)

	names = sorted(row.name for row in contacts_of(source).values() if row.last_name == "Ким")
	assert names == [f"Иван Ким-{COMPANY}-1", f"Иван Ким-{COMPANY}-2"]
	contact = frappe.get_doc("Contact", contacts_of(source)[guid(directory, "a.ivanov")].name)
	assert contact.name == f"Алексей Иванов-{COMPANY}"
	assert contact.full_name == "Алексей Иванов"
	assert contact.owner == "Administrator" and contact.creation and contact.modified
	assert [(e.email_id, e.is_primary) for e in contact.email_ids] == [("a.ivanov@karmet.kz", 1)]
	assert contact.links[0].link_title == COMPANY
	assert all(len(row.name) == 10 for row in [*contact.email_ids, *contact.phone_nos, *contact.links])
	contact.designation = "Проверка"
	contact.save()  # the ORM accepts the bulk-written record as its own
	from frappe.desk.search import search_link

	assert contact.name in [r["value"] for r in search_link("Contact", "Алексей")]


def test_resync_without_changes_writes_nothing(company, directory):
	source = make_source(directory)
	sync_now(source)
	before = contacts_of(source)
	versions = frappe.db.count(
		"Version", {"ref_doctype": "Contact", "docname": ["in", [r.name for r in before.values()]]}
	)

	log = sync_now(source)

	assert log.status == "Success"
	assert counts(log) == {"unchanged": 3, "skipped": 2}
	assert contacts_of(source) == before  # same modified timestamps
	assert (
		frappe.db.count(
			"Version", {"ref_doctype": "Contact", "docname": ["in", [r.name for r in before.values()]]}
		)
		== versions
	)


def test_rename_and_new_email_update_the_same_contact(company, directory):
	source = make_source(directory)
	sync_now(source)
	name = contacts_of(source)[guid(directory, "g.nurlanova")].name
	with directory.admin_connection() as ldap:
		dn = directory.users["g.nurlanova"].dn
		ldap.modify(
			dn,
			{
				"sn": [("MODIFY_REPLACE", ["Нурланова-Сейткали"])],
				"mail": [("MODIFY_REPLACE", ["g.seitkali@karmet.kz"])],
				"telephoneNumber": [("MODIFY_REPLACE", ["+7 7212 41-00-02"])],
			},
		)
		assert ldap.result["description"] == "success"
		ldap.modify_dn(dn, "cn=g.seitkali")  # a new DN too: the stable id is what counts

	log = sync_now(source)

	assert counts(log) == {"updated": 1, "unchanged": 2, "skipped": 2}
	contact = frappe.get_doc("Contact", name)
	assert contact.last_name == "Нурланова-Сейткали"
	assert contact.email_id == "g.seitkali@karmet.kz"
	assert [p.phone for p in contact.phone_nos] == ["+77212410002"]
	assert frappe.db.count("Contact", {"directory_source": source.name}) == 3


def test_operator_edits_survive_a_directory_change(company, directory):
	source = make_source(directory)
	sync_now(source)
	contact = frappe.get_doc("Contact", contacts_of(source)[guid(directory, "s.akhmetov")].name)
	contact.append("phone_nos", {"phone": "+77015550000"})
	contact.designation = "Мастер участка"
	contact.save()
	frappe.db.commit()
	with directory.admin_connection() as ldap:
		ldap.modify(directory.users["s.akhmetov"].dn, {"department": [("MODIFY_REPLACE", ["Цех №3"])]})

	log = sync_now(source)

	assert counts(log)["updated"] == 1
	contact.reload()
	assert contact.department == "Цех №3"
	assert contact.designation == "Мастер участка"
	assert "+77015550000" in [p.phone for p in contact.phone_nos]


def test_disabled_account_is_deactivated_kept_and_hidden_from_search(company, directory):
	source = make_source(directory)
	sync_now(source)
	name = contacts_of(source)[guid(directory, "a.ivanov")].name
	from frappe.desk.search import search_link

	assert name in [r["value"] for r in search_link("Contact", "Алексей")]
	with directory.admin_connection() as ldap:
		ldap.modify(
			directory.users["a.ivanov"].dn, {"userAccountControl": [("MODIFY_REPLACE", [str(UAC_DISABLED)])]}
		)

	log = sync_now(source)

	assert counts(log) == {"deactivated": 1, "unchanged": 2, "skipped": 2}
	assert frappe.db.get_value("Contact", name, "disabled") == 1
	assert name not in [r["value"] for r in search_link("Contact", "Алексей")]

	with directory.admin_connection() as ldap:
		ldap.modify(
			directory.users["a.ivanov"].dn, {"userAccountControl": [("MODIFY_REPLACE", [str(UAC_NORMAL)])]}
		)
	log = sync_now(source)
	assert counts(log) == {"updated": 1, "unchanged": 2, "skipped": 2}
	assert frappe.db.get_value("Contact", name, "disabled") == 0


def test_vanished_entry_is_deactivated_never_deleted(company, directory, world):
	source = make_source(directory)
	sync_now(source)
	name = contacts_of(source)[guid(directory, "s.akhmetov")].name
	with directory.admin_connection() as ldap:
		ldap.delete(directory.users["s.akhmetov"].dn)
		assert ldap.result["description"] == "success"

	log = sync_now(source)

	assert counts(log) == {"deactivated": 1, "unchanged": 2, "skipped": 2}
	assert frappe.db.get_value("Contact", name, "disabled") == 1
	assert any(row.directory_id == guid(directory, "s.akhmetov") for row in log.entries)


def test_hand_entered_contact_is_adopted_by_email_not_duplicated(company, directory):
	hand = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": "Гульнара",
			"email_ids": [{"email_id": "G.Nurlanova@karmet.kz", "is_primary": 1}],
			"phone_nos": [{"phone": "+77015551111", "is_primary_mobile_no": 1}],
			"links": [{"link_doctype": "Client Company", "link_name": COMPANY}],
		}
	).insert()
	# the same address at another client company is someone else's record: not adopted
	other = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": "Алексей",
			"email_ids": [{"email_id": "a.ivanov@karmet.kz", "is_primary": 1}],
			"links": [{"link_doctype": "Client Company", "link_name": OTHER_COMPANY}],
		}
	).insert()
	frappe.db.commit()
	source = make_source(directory)

	log = sync_now(source)

	assert counts(log) == {"created": 2, "updated": 1, "adopted": 1, "skipped": 2}
	hand.reload()
	assert hand.directory_id == guid(directory, "g.nurlanova")
	assert hand.last_name == "Нурланова"
	assert "+77015551111" in [p.phone for p in hand.phone_nos]
	assert "+77212410000" in [p.phone for p in hand.phone_nos]
	assert frappe.db.get_value("Contact", other.name, "directory_id") in (None, "")
	assert frappe.db.count("Contact Email", {"email_id": "g.nurlanova@karmet.kz"}) == 1


# --- paging and encryption -----------------------------------------------------------------------------


def test_paged_search_reads_past_the_server_size_limit(company, directory):
	with directory.admin_connection() as ldap:
		for index in range(23):
			user = User(
				f"worker{index}",
				"Рабочий",
				f"Номер{index}",
				("Temirtau", "Users"),
				mail=f"w{index}@karmet.kz",
			)
			ldap.add(
				user.dn,
				["inetOrgPerson", "xnetADUser"],
				{
					"cn": user.uid,
					"sn": user.surname,
					"givenName": user.given_name,
					"mail": user.mail,
					"objectGUID": user.guid,
					"userAccountControl": str(UAC_NORMAL),
					"sAMAccountName": user.uid,
				},
			)
			assert ldap.result["description"] == "success", ldap.result
		# slapd refuses a plain search beyond its size limit of 3, like AD beyond MaxPageSize
		ldap.search(directory.base_dn, "(objectClass=inetOrgPerson)", attributes=["cn"])
	source = make_source(directory, page_size=3)

	log = sync_now(source)

	assert log.status == "Success", log.message
	assert log.entries_seen == 28
	assert counts(log) == {"created": 26, "skipped": 2}
	# a page size above the server's limit is capped by the server, not an error
	source.db_set("page_size", 1000)
	assert counts(sync_now(source)) == {"unchanged": 26, "skipped": 2}


def test_ldaps_with_the_company_ca(company, directory):
	source = make_source(directory, server_url=directory.ldaps_url, ca_certificate=directory.ca_pem)
	log = sync_now(source)
	assert log.status == "Success", log.message
	assert log.created == 3
	assert "encrypted" in source.test_connection()


def test_starttls_before_the_password_is_sent(company, directory):
	source = make_source(directory, start_tls=1, ca_certificate=directory.ca_pem)
	log = sync_now(source)
	assert log.status == "Success", log.message
	assert log.created == 3


# --- failures: a clear message, nothing changed ------------------------------------------------------------


@pytest.fixture
def silent_port():
	"""Accepts TCP connections and never answers: a firewall or a hung domain controller."""
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		sock.listen(8)
		yield sock.getsockname()[1]


def failure_cases(directory, silent_port):
	return {
		"wrong password": ({"bind_password": WRONG_PASSWORD}, "bind DN or the password"),
		"unreachable": ({"server_url": f"ldap://127.0.0.1:{ldap_server.free_port()}"}, "Cannot reach"),
		"timeout": (
			{"server_url": f"ldap://127.0.0.1:{silent_port}", "timeout": 2},
			"did not answer within 2",
		),
		"TLS, unknown CA": (
			{
				"server_url": directory.ldaps_url,
				"ca_certificate": (directory.root / "other-ca.crt").read_text(),
			},
			"secure connection",
		),
		"StartTLS, no CA": ({"start_tls": 1, "ca_certificate": ""}, "secure connection"),
		"base DN": ({"base_dn": "ou=Nowhere,dc=karmet,dc=test"}, "does not exist"),
	}


@pytest.mark.parametrize(
	"case", ["wrong password", "unreachable", "timeout", "TLS, unknown CA", "StartTLS, no CA", "base DN"]
)
def test_failure_gives_a_clear_message_and_changes_nothing(company, directory, silent_port, case):
	changes, expected = failure_cases(directory, silent_port)[case]
	source = make_source(directory)
	sync_now(source)
	before = contacts_of(source)
	with directory.admin_connection() as ldap:  # something a successful run would change
		ldap.modify(directory.users["a.ivanov"].dn, {"title": [("MODIFY_REPLACE", ["Другая должность"])]})
	source.update(changes)
	source.save()
	frappe.db.commit()

	log = sync_now(source)

	assert log.status == "Failed"
	assert expected in log.message
	assert counts(log) == {}
	assert contacts_of(source) == before
	source.reload()
	assert source.last_sync_status == "Failed"
	assert source.last_sync_message == log.message
	with pytest.raises(frappe.ValidationError) as raised:
		source.test_connection()
	assert expected in str(raised.value)
	assert_password_not_leaked(source, log)


def test_filter_syntax_error_is_refused_on_save_and_at_sync(company, directory):
	source = make_source(directory)
	sync_now(source)
	before = contacts_of(source)
	source.user_filter = "(&(objectClass=inetOrgPerson)(cn=a*)"
	with pytest.raises(frappe.ValidationError, match="not a valid LDAP filter"):
		source.save()
	frappe.db.rollback()
	# a filter stored before this check existed, or through the database
	frappe.db.set_value("Directory Source", source.name, "user_filter", "(cn=a*")
	frappe.db.commit()

	log = sync_now(source)

	assert log.status == "Failed"
	assert "not a valid LDAP filter" in log.message
	assert contacts_of(source) == before


def test_empty_result_never_deactivates_everyone(company, directory):
	source = make_source(directory)
	sync_now(source)
	before = contacts_of(source)
	source.base_dn = "ou=Service,dc=karmet,dc=test"  # exists, holds no people
	source.save()
	frappe.db.commit()

	log = sync_now(source)

	assert log.status == "Failed"
	assert log.entries_seen == 0
	assert "nothing" in log.message.lower() or "none of the 3" in log.message
	assert log.deactivated == 0
	assert contacts_of(source) == before


def test_deactivation_limit_stops_a_filter_that_suddenly_matches_few(company, directory):
	source = make_source(directory, max_deactivation_percent=50)
	sync_now(source)
	before = contacts_of(source)
	source.user_filter = "(&(objectClass=inetOrgPerson)(sAMAccountName=a.ivanov))"
	source.save()
	frappe.db.commit()

	log = sync_now(source)

	assert log.status == "Failed"
	assert "50" in log.message
	assert counts(log) == {"unchanged": 1}
	assert contacts_of(source) == before


def test_interrupted_sync_is_consistent_and_the_next_run_completes_it(company, directory, monkeypatch):
	source = make_source(directory, page_size=1)
	monkeypatch.setattr(sync, "BATCH", 1)
	original = client.iter_people

	def server_dies_after_two(settings, *args, **kwargs):
		for index, item in enumerate(original(settings, *args, **kwargs)):
			yield item
			if index == 1:
				directory.stop()

	monkeypatch.setattr(client, "iter_people", server_dies_after_two)
	log = sync_now(source)
	assert log.status == "Failed"
	first = contacts_of(source)
	assert len(first) <= 2
	for row in first.values():
		contact = frappe.get_doc("Contact", row.name)
		assert contact.directory_data and contact.links  # each contact complete, none half-written

	monkeypatch.setattr(client, "iter_people", original)
	directory.start()
	log = sync_now(source)
	assert log.status == "Success", log.message
	assert log.created + log.unchanged == 3
	assert log.created == 3 - len(first)
	assert len(contacts_of(source)) == 3


def assert_password_not_leaked(source, log):
	secrets = [WRONG_PASSWORD, ldap_server.READER_PASSWORD]
	texts = [log.as_json(), source.as_json(), source.last_sync_message or ""]
	texts += frappe.get_all(
		"Version", filters={"ref_doctype": "Directory Source", "docname": source.name}, pluck="data"
	)
	texts += [
		e.error
		for e in frappe.get_all(
			"Error Log",
			filters={"creation": [">", add_to_date(now_datetime(), minutes=-10)]},
			fields=["error"],
		)
	]
	for text in texts:
		for secret in secrets:
			assert secret not in text


# --- more than one source, portal users, Desk buttons, scheduling ------------------------------------------------


def test_an_entry_already_imported_by_another_source_is_skipped(company, directory):
	first = make_source(directory)
	sync_now(first)
	second = make_source(directory, company=OTHER_COMPANY)
	log = sync_now(second)
	assert counts(log) == {"skipped": 5}
	assert sum("Already imported" in row.reason for row in log.entries) == 3


def test_portal_users_follow_their_contacts(company, directory):
	source = make_source(directory, create_portal_users=1)
	log = sync_now(source)
	assert log.portal_users_created == 3
	user = frappe.get_doc("User", "a.ivanov@karmet.kz")
	assert user.user_type == "Website User"
	assert user.enabled == 1
	assert "Helpdesk Client" in [r.role for r in user.roles]
	assert (
		frappe.db.get_value("Contact", contacts_of(source)[guid(directory, "a.ivanov")].name, "user")
		== user.name
	)

	with directory.admin_connection() as ldap:
		ldap.modify(
			directory.users["a.ivanov"].dn, {"userAccountControl": [("MODIFY_REPLACE", [str(UAC_DISABLED)])]}
		)
	sync_now(source)
	assert frappe.db.get_value("User", "a.ivanov@karmet.kz", "enabled") == 0


def test_test_connection_and_preview(company, directory):
	source = make_source(directory)
	assert "5 entries" in source.test_connection()

	rows = source.preview(limit=10)
	by_login = {row.get("username"): row for row in rows if row.get("username")}
	assert by_login["a.ivanov"]["name"] == "Алексей Иванов"
	assert by_login["a.ivanov"]["phones"] == "+77212505252, +77212505253, +77011234567"
	assert by_login["a.ivanov"]["action"] == "Create"
	assert by_login["o.petrova"]["action"] == "Skip"
	assert len(rows) == 5
	assert frappe.db.count("Contact", {"directory_source": source.name}) == 0  # a preview writes nothing

	assert [r["username"] for r in source.preview(search="Нурланова")] == ["g.nurlanova"]
	assert source.preview(search="*)(cn=*") == []  # escaped: text, not filter syntax
	sync_now(source)
	assert {r["action"] for r in source.preview(search="Иванов")} == {"Unchanged"}


def test_directory_type_presets_and_entry_uuid(company, directory):
	source = make_source(
		directory,
		directory_type="OpenLDAP",
		map_id="",
		map_username="",
		map_account_control="",
		map_display_name="",
	)
	assert source.map_id == "entryUUID"
	assert source.map_username == "uid"
	log = sync_now(source)
	assert log.status == "Success", log.message
	# OpenLDAP has an entryUUID for every entry, so the one without objectGUID is imported too;
	# without an account-control attribute the disabled account counts as active
	assert log.created == 5
	assert all(len(key) == 36 for key in contacts_of(source))


def test_daily_sync_is_scheduled_per_source(company, directory):
	assert "xnet_helpdesk.directory.sync.enqueue_due_syncs" in frappe.get_hooks("scheduler_events")["hourly"]
	daily = make_source(directory)
	hourly = make_source(directory, sync_frequency="Hourly")
	manual = make_source(directory, sync_frequency="Manual only")
	disabled = make_source(directory, enabled=0)
	due = sync.due_sources()
	assert {daily.name, hourly.name} <= set(due)
	assert not {manual.name, disabled.name} & set(due)

	now = now_datetime()
	for source, ago in ((daily, {"hours": -3}), (hourly, {"minutes": -55})):
		frappe.db.set_value(
			"Directory Source",
			source.name,
			{"last_sync_on": add_to_date(now, **ago), "last_sync_status": "Success"},
		)
	due = sync.due_sources(now)
	assert hourly.name in due and daily.name not in due
	frappe.db.set_value("Directory Source", daily.name, "last_sync_on", add_to_date(now, hours=-25))
	assert daily.name in sync.due_sources(now)
	frappe.db.commit()


def test_sync_now_queues_a_background_job(company, directory):
	from frappe.utils.background_jobs import get_job

	source = make_source(directory)
	message = source.sync_now()
	assert "background" in message
	job = get_job(sync.job_id(source.name))
	try:
		assert job is not None
		assert job.kwargs["kwargs"]["source_name"] == source.name
	finally:
		if job:
			job.cancel()
			job.delete()


def test_only_managers_may_run_a_source(company, directory, world):
	from tests.harness.world import email

	source = make_source(directory)
	frappe.set_user(email("operator"))
	try:
		with pytest.raises(frappe.PermissionError):
			frappe.get_doc("Directory Source", source.name).test_connection()
	finally:
		frappe.set_user("Administrator")
	frappe.set_user(email("manager"))
	try:
		assert "Connected" in frappe.get_doc("Directory Source", source.name).test_connection()
	finally:
		frappe.set_user("Administrator")


def test_a_second_sync_of_the_same_source_does_not_start(company, directory):
	import subprocess
	import sys

	from frappe.utils import get_site_path

	source = make_source(directory)
	sync_now(source)
	lock = get_site_path("locks", f"xnet_directory_sync_{frappe.scrub(source.name)}.lock")
	holder = subprocess.Popen(
		[
			sys.executable,
			"-c",
			"import sys, time, filelock\n"
			"with filelock.FileLock(sys.argv[1]):\n"
			"    print('held', flush=True); time.sleep(30)",
			lock,
		],
		stdout=subprocess.PIPE,
		text=True,
	)
	try:
		assert holder.stdout.readline().strip() == "held"
		log = sync_now(source)
	finally:
		holder.kill()
		holder.wait()
	assert log.status == "Failed"
	assert "Another sync" in log.message
	source.reload()
	assert source.last_sync_status == "Success"  # the running sync's status is left alone
	assert source.last_sync_log != log.name
