"""Active Directory's own specifics through ldap3's offline AD schema and its mock strategy.

slapd stands in for AD everywhere else (tests/site/test_directory_sync.py); here ldap3 itself
encodes objectGUID and userAccountControl exactly as it does for a real domain controller, and
answers a paged search with AD's syntaxes.
"""

import uuid

import pytest

# the app's own dependency, installed with it into a bench; plain python3 may lack it
ldap3 = pytest.importorskip("ldap3")


from xnet_helpdesk.directory import client, mapping

BASE = "DC=karmet,DC=local"
GUIDS = {
	"a.ivanov": uuid.UUID("57172e87-f056-48dc-ac84-06e9bc7a0837"),
	"o.petrova": uuid.UUID("153f1d1c-1d8b-44fd-aeba-a9a0f239f3e6"),
	"d.smagulov": uuid.UUID("0a6e1c5d-0000-4f00-8000-00000000abcd"),
}


@pytest.fixture
def ad():
	server = ldap3.Server("dc1.karmet.local", get_info=ldap3.OFFLINE_AD_2012_R2)
	connection = ldap3.Connection(
		server,
		user=f"CN=svc-helpdesk,OU=Service,{BASE}",
		password="svc-Пароль",
		client_strategy=ldap3.MOCK_SYNC,
		raise_exceptions=True,
	)
	connection.strategy.add_entry(
		f"CN=svc-helpdesk,OU=Service,{BASE}", {"userPassword": "svc-Пароль", "sAMAccountName": "svc-helpdesk"}
	)

	def user(login, given, surname, ou, flags, **extra):
		connection.strategy.add_entry(
			f"CN={given} {surname},{ou},{BASE}",
			{
				"objectClass": ["top", "person", "organizationalPerson", "user"],
				"objectCategory": f"CN=Person,CN=Schema,CN=Configuration,{BASE}",
				"objectGUID": GUIDS[login].bytes_le,
				"sAMAccountName": login,
				"userPrincipalName": f"{login}@karmet.local",
				"givenName": given,
				"sn": surname,
				"displayName": f"{given} {surname}",
				"userAccountControl": flags,
				**extra,
			},
		)

	user(
		"a.ivanov",
		"Алексей",
		"Иванов",
		"OU=IT,OU=Karaganda,OU=Staff",
		512,
		mail="a.ivanov@karmet.kz",
		telephoneNumber="+7 (7212) 50-52-52",
		mobile="8 701 123 45 67",
	)
	user("o.petrova", "Ольга", "Петрова", "OU=Karaganda,OU=Staff", 514 | 0x10000)  # disabled, no expiry
	user("d.smagulov", "Дархан", "Смагулов", "OU=Staff", 0x10000 | 0x200)  # active, password never expires
	connection.bind()
	yield connection
	connection.unbind()


def settings():
	return client.SourceSettings(
		url="ldaps://dc1.karmet.local",
		base_dn=BASE,
		user_filter="(&(objectCategory=CN=Person,CN=Schema,CN=Configuration,DC=karmet,DC=local)(objectClass=user))",
		page_size=2,
		attribute_map=dict(mapping.PRESETS["Active Directory"]),
	)


def test_objectguid_raw_bytes_become_the_guid_ad_shows(ad):
	people = {p.username: p for p in client.iter_people(settings(), connection=ad)}
	assert set(people) == set(GUIDS)
	for login, guid in GUIDS.items():
		assert people[login].directory_id == str(guid)


def test_user_account_control_flags(ad):
	people = {p.username: p for p in client.iter_people(settings(), connection=ad)}
	assert people["o.petrova"].disabled is True
	assert people["a.ivanov"].disabled is False
	assert people["d.smagulov"].disabled is False


def test_ad_entry_maps_names_and_phones(ad):
	people = {p.username: p for p in client.iter_people(settings(), connection=ad)}
	ivanov = people["a.ivanov"]
	assert (ivanov.first_name, ivanov.last_name) == ("Алексей", "Иванов")
	assert ivanov.phones == ("+77212505252",)
	assert ivanov.mobiles == ("+77011234567",)


def test_preview_search_narrows_the_paged_search(ad):
	found = list(client.iter_people(settings(), search_text="Иванов", connection=ad))
	assert [p.username for p in found] == ["a.ivanov"]
	assert list(client.iter_people(settings(), search_text="nobody", connection=ad)) == []
	# (escaping itself is tested against slapd: ldap3's mock matches escaped substrings loosely)
