"""Attribute mapping and the re-sync merge: pure functions, no site and no server."""

import uuid

import pytest

# the app's own dependency, installed with it into a bench; plain python3 may lack it
pytest.importorskip("ldap3")


from xnet_helpdesk.directory import client, mapping
from xnet_helpdesk.directory.mapping import (
	ContactState,
	DirectoryPerson,
	SkipEntry,
	deactivation_guard,
	decode_id,
	is_disabled,
	person_from_entry,
	plan_update,
)

AD = mapping.PRESETS["Active Directory"]
OPENLDAP = mapping.PRESETS["OpenLDAP"]
GUID = uuid.UUID("57172e87-f056-48dc-ac84-06e9bc7a0837")


def ad_entry(**changes):
	entry = {
		"objectGUID": [GUID.bytes_le],
		"sAMAccountName": ["a.ivanov"],
		"userPrincipalName": ["a.ivanov@karmet.kz"],
		"displayName": ["Алексей Иванов"],
		"givenName": ["Алексей"],
		"sn": ["Иванов"],
		"mail": ["A.Ivanov@KarMet.KZ"],
		"telephoneNumber": ["+7 (7212) 50-52-52"],
		"otherTelephone": ["8 7212 50-52-53", "+7 (7212) 50-52-52"],
		"mobile": ["8 701 123 45 67"],
		"department": ["Отдел ИТ"],
		"title": ["Системный администратор"],
		"userAccountControl": [512],
	}
	entry.update(changes)
	return {k: v for k, v in entry.items() if v is not None}


def test_objectguid_bytes_are_read_in_microsofts_mixed_endian_order():
	assert decode_id(GUID.bytes_le) == "57172e87-f056-48dc-ac84-06e9bc7a0837"
	assert decode_id(GUID.bytes_le) != str(uuid.UUID(bytes=GUID.bytes_le))


@pytest.mark.parametrize(
	"value, expected",
	[
		("458426DC-7FCC-1041-940B-EFE85841A47B", "458426dc-7fcc-1041-940b-efe85841a47b"),
		(b"458426dc-7fcc-1041-940b-efe85841a47b", "458426dc-7fcc-1041-940b-efe85841a47b"),
		("{57172e87-f056-48dc-ac84-06e9bc7a0837}", "57172e87-f056-48dc-ac84-06e9bc7a0837"),
		("", None),
		(None, None),
	],
)
def test_text_ids_are_normalised(value, expected):
	assert decode_id(value) == expected


@pytest.mark.parametrize(
	"flags, disabled",
	[
		(512, False),
		(514, True),
		("514", True),
		(66048, False),
		(66050, True),
		(2, True),
		("", False),
		(None, False),
	],
)
def test_account_disabled_is_bit_2_of_user_account_control(flags, disabled):
	assert is_disabled(flags) is disabled


def test_an_ad_entry_becomes_a_person_with_normalised_phones_and_email():
	person = person_from_entry("CN=a.ivanov,OU=IT,DC=karmet,DC=kz", ad_entry(), AD)
	assert person.directory_id == str(GUID)
	assert (person.first_name, person.last_name) == ("Алексей", "Иванов")
	assert person.username == "a.ivanov"
	assert person.email == "a.ivanov@karmet.kz"
	# several attributes and values, duplicates dropped, E.164 like the operator form
	assert person.phones == ("+77212505252", "+77212505253")
	assert person.mobiles == ("+77011234567",)
	assert (person.department, person.title) == ("Отдел ИТ", "Системный администратор")
	assert person.disabled is False
	assert person.warnings == ()


def test_attribute_names_are_case_insensitive_like_ldap():
	entry = {k.upper(): v for k, v in ad_entry().items()}
	assert person_from_entry("cn=x", entry, AD).first_name == "Алексей"


def test_bad_phone_and_email_are_left_out_with_a_warning_not_a_skip():
	person = person_from_entry(
		"cn=x", ad_entry(telephoneNumber=["звоните секретарю"], otherTelephone=None, mail=["нет"]), AD
	)
	assert person.phones == ()
	assert person.email is None
	assert (mapping.BAD_PHONE, "звоните секретарю") in person.warnings
	assert (mapping.BAD_EMAIL, "нет") in person.warnings


def test_disabled_account_is_flagged():
	assert person_from_entry("cn=x", ad_entry(userAccountControl=[514]), AD).disabled is True


def test_entry_without_id_is_skipped_with_the_attribute_named():
	with pytest.raises(SkipEntry) as raised:
		person_from_entry("cn=x", ad_entry(objectGUID=None), AD)
	assert raised.value.reason == mapping.NO_ID
	assert raised.value.detail == "objectGUID"


def test_entry_without_any_name_is_skipped():
	entry = {"objectGUID": [GUID.bytes_le], "mail": ["x@karmet.kz"]}
	with pytest.raises(SkipEntry) as raised:
		person_from_entry("cn=x", entry, AD)
	assert raised.value.reason == mapping.NO_NAME


@pytest.mark.parametrize(
	"entry, expected",
	[
		({"displayName": ["Гульнара Нурланова"], "sn": ["Нурланова"]}, ("Гульнара", "Нурланова")),
		({"displayName": ["Приёмная"]}, ("Приёмная", "")),
		({"sn": ["Ахметов"]}, ("Ахметов", "")),
		({"sAMAccountName": ["svc-print"]}, ("svc-print", "")),
	],
)
def test_names_fall_back_to_display_name_surname_or_login(entry, expected):
	person = person_from_entry("cn=x", {"objectGUID": [GUID.bytes_le], **entry}, AD)
	assert (person.first_name, person.last_name) == expected


def test_openldap_preset_reads_entry_uuid_and_uid():
	entry = {
		"entryUUID": ["458426dc-7fcc-1041-940b-efe85841a47b"],
		"uid": ["s.akhmetov"],
		"cn": ["Серік Ахметов"],
		"sn": ["Ахметов"],
		"mobile": ["+7 777 000 11 22"],
	}
	person = person_from_entry("uid=s.akhmetov,ou=people,dc=x", entry, OPENLDAP)
	assert person.directory_id == "458426dc-7fcc-1041-940b-efe85841a47b"
	assert (person.first_name, person.last_name, person.username) == ("Серік", "Ахметов", "s.akhmetov")
	assert person.disabled is False  # no account control attribute in the preset


def test_requested_attributes_lists_each_once():
	names = mapping.requested_attributes(AD)
	assert names.count("telephoneNumber") == 1
	assert {"objectGUID", "otherTelephone", "otherMobile", "userAccountControl"} <= set(names)


# --- the merge a re-sync makes ------------------------------------------------------------------


def person(**changes) -> DirectoryPerson:
	values = {
		"directory_id": str(GUID),
		"dn": "cn=a.ivanov",
		"username": "a.ivanov",
		"first_name": "Алексей",
		"last_name": "Иванов",
		"email": "a.ivanov@karmet.kz",
		"phones": ("+77212505252",),
		"mobiles": ("+77011234567",),
		"department": "Отдел ИТ",
		"title": "Инженер",
	}
	values.update(changes)
	return DirectoryPerson(**values)


def state_of(p: DirectoryPerson, **changes) -> ContactState:
	values = {
		"first_name": p.first_name,
		"last_name": p.last_name,
		"emails": [p.email] if p.email else [],
		"primary_email": p.email or "",
		"phones": [*p.phones, *p.mobiles],
		"department": p.department,
		"title": p.title,
		"disabled": p.disabled,
	}
	values.update(changes)
	return ContactState(**values)


def test_unchanged_entry_plans_no_write():
	p = person()
	assert mapping.is_unchanged(p.snapshot(), p, False)
	assert plan_update(p.snapshot(), p, state_of(p)).is_empty()


def test_rename_and_new_email_update_the_same_contact():
	before = person()
	after = person(last_name="Иванов-Петров", email="a.ivanov-petrov@karmet.kz")
	update = plan_update(before.snapshot(), after, state_of(before))
	assert update.last_name == "Иванов-Петров"
	assert update.first_name is None
	assert update.emails == ["a.ivanov-petrov@karmet.kz"]
	assert update.phones is None


def test_hand_edits_survive_when_the_directory_did_not_change_that_field():
	before = person()
	current = state_of(
		before, title="Ведущий инженер", phones=["+77212505252", "+77011234567", "+77779998877"]
	)
	after = person(department="Отдел ИТ и связи")
	update = plan_update(before.snapshot(), after, current)
	assert update.department == "Отдел ИТ и связи"
	assert update.title is None  # the operator's correction stays
	assert update.phones is None  # the private mobile an operator noted stays


def test_directory_phone_change_keeps_the_phones_added_by_hand():
	before = person()
	current = state_of(before, phones=["+77212505252", "+77011234567", "+77779998877"])
	after = person(phones=("+77212505299",))
	update = plan_update(before.snapshot(), after, current)
	assert update.phones == [
		("+77212505299", True, False),
		("+77011234567", False, True),
		("+77779998877", False, False),
	]


def test_adopting_a_hand_entered_contact_keeps_what_the_directory_lacks():
	p = person(title="", phones=())
	current = ContactState(
		first_name="Алексей",
		last_name="",
		emails=["A.Ivanov@karmet.kz", "alexey@mail.kz"],
		primary_email="A.Ivanov@karmet.kz",
		phones=["+77779998877"],
		title="Админ",
	)
	update = plan_update(None, p, current)
	assert update.last_name == "Иванов"
	assert update.title is None
	assert update.emails == ["a.ivanov@karmet.kz", "alexey@mail.kz"]
	assert [row[0] for row in update.phones] == ["+77011234567", "+77779998877"]


def test_disable_and_enable_are_planned():
	p = person(disabled=True)
	assert plan_update(person().snapshot(), p, state_of(person())).disabled is True
	assert plan_update(p.snapshot(), person(), state_of(p, disabled=True)).disabled is False


@pytest.mark.parametrize(
	"seen, active, missing, limit, refusal",
	[
		(0, 100, 100, 50, "empty_result"),
		(0, 100, 100, 0, "empty_result"),
		(0, 0, 0, 50, None),
		(40, 100, 60, 50, "too_many"),
		(40, 100, 60, 0, None),
		(90, 100, 10, 50, None),
		(1, 2, 1, 50, None),
	],
)
def test_deactivation_guard(seen, active, missing, limit, refusal):
	assert deactivation_guard(seen, active, missing, limit) == refusal


# --- client checks that need no server -----------------------------------------------------------


def settings(**changes):
	values = {
		"url": "ldaps://dc1.karmet.local:636",
		"base_dn": "DC=karmet,DC=local",
		"bind_dn": "CN=svc,DC=karmet,DC=local",
		"password": "Сек*)(рет",
		"user_filter": mapping.AD_DEFAULT_FILTER,
		"attribute_map": dict(AD),
	}
	values.update(changes)
	return client.SourceSettings(**values)


@pytest.mark.parametrize(
	"changes, kind, detail",
	[
		({"url": "http://dc1"}, client.CONFIG, "url"),
		({"url": "ldaps://"}, client.CONFIG, "url"),
		({"start_tls": True}, client.CONFIG, "starttls_with_ldaps"),
		({"base_dn": " "}, client.CONFIG, "base_dn"),
		({"user_filter": "(objectClass=user"}, client.FILTER, None),
		({"user_filter": "objectClass=user"}, client.FILTER, None),
	],
)
def test_settings_are_checked_before_connecting(changes, kind, detail):
	with pytest.raises(client.DirectoryError) as raised:
		client.check_settings(settings(**changes))
	assert raised.value.kind == kind
	if detail:
		assert raised.value.detail == detail


def test_search_text_is_escaped_into_the_filter():
	text = client.search_filter(settings(), "*)(objectClass=*")
	assert "*)(objectClass=*" not in text.replace(mapping.AD_DEFAULT_FILTER, "")
	assert r"\2a\29\28objectClass=\2a" in text
	client.check_filter(text)
	assert client.search_filter(settings(), "  ") == mapping.AD_DEFAULT_FILTER


def test_password_is_scrubbed_from_error_text():
	s = settings()
	assert "Сек" not in s.scrub(f"bind failed for {s.password!r} and {s.password}")
	assert "password=" not in repr(s)
