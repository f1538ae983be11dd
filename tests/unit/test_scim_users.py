"""SCIM users without a site: the SCIM -> DirectoryPerson mapping, PATCH as Entra and Okta send it,
filters."""

import pytest

from xnet_helpdesk.scim import auth
from xnet_helpdesk.scim.users import (
	ENTERPRISE,
	ScimError,
	apply_patch,
	parse_bool,
	person_from_user,
	user_from_snapshot,
)

ID = "5b1f7a52-3f6c-4ad3-9d8e-2c1c0a7b9e01"


def user(**values):
	return {
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName": "a.ivanova@karmet.kz",
		"name": {"givenName": "Айгерим", "familyName": "Иванова"},
		"emails": [{"value": "A.Ivanova@karmet.kz", "type": "work", "primary": True}],
		"phoneNumbers": [
			{"value": "8 (7212) 50-52-52", "type": "work"},
			{"value": "8 701 111 22 33", "type": "mobile"},
		],
		"title": "Бухгалтер",
		ENTERPRISE: {"department": "Бухгалтерия"},
		"active": True,
		**values,
	}


def test_user_becomes_the_person_the_ldap_pull_would_make():
	person = person_from_user(user(), ID)
	assert person.directory_id == ID
	assert (person.first_name, person.last_name) == ("Айгерим", "Иванова")
	assert person.email == "a.ivanova@karmet.kz"
	assert person.phones == ("+77212505252",) and person.mobiles == ("+77011112233",)
	assert (person.department, person.title, person.disabled) == ("Бухгалтерия", "Бухгалтер", False)


@pytest.mark.parametrize("value", [False, "False", "false"])
def test_inactive_in_any_spelling(value):
	assert person_from_user(user(active=value), ID).disabled


def test_bad_values_are_400():
	for bad in (
		user(userName=""),
		user(active="maybe"),
		user(emails="x"),
		user(name="x"),
		user(userName="x" * 2000),
	):
		with pytest.raises(ScimError) as error:
			person_from_user(bad, ID)
		assert error.value.status == 400 and error.value.body()["scimType"] == "invalidValue"
	assert parse_bool("TRUE") is True


def test_snapshot_round_trip():
	person = person_from_user(user(), ID)
	again = user_from_snapshot(person.snapshot(), ID, True, {})
	assert person_from_user(again, ID) == person


def test_entra_patch_forms():
	body = {
		"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [
			{"op": "Replace", "path": "active", "value": "False"},
			{"op": "replace", "value": {"name.givenName": "Aйгуль", "title": "Главный бухгалтер"}},
			{"op": "Add", "path": 'emails[type eq "work"].value', "value": "new@karmet.kz"},
			{"op": "replace", "path": f"{ENTERPRISE}:department", "value": "Финансы"},
			{"op": "remove", "path": 'phoneNumbers[type eq "mobile"]'},
		],
	}
	person = person_from_user(apply_patch(user(), body), ID)
	assert person.disabled and person.first_name == "Aйгуль" and person.title == "Главный бухгалтер"
	assert person.email == "new@karmet.kz" and person.department == "Финансы" and person.mobiles == ()


def test_the_enterprise_extension_as_a_whole():
	body = {"Operations": [{"op": "replace", "path": ENTERPRISE, "value": {"department": "Склад"}}]}
	assert person_from_user(apply_patch(user(), body), ID).department == "Склад"


def test_okta_path_less_replace_of_active():
	patched = apply_patch(user(active=False), {"Operations": [{"op": "replace", "value": {"active": True}}]})
	assert not person_from_user(patched, ID).disabled


@pytest.mark.parametrize(
	"body",
	[
		{},
		{"Operations": "x"},
		{"Operations": [{"op": "move", "path": "title"}]},
		{"Operations": [{"op": "replace", "value": "x"}]},
		{"Operations": [{"op": "replace", "path": "emails[type gt 1].value", "value": "x"}]},
		{"Operations": [{"op": "replace", "path": "name[x", "value": "x"}]},
	],
)
def test_bad_patches_are_400(body):
	with pytest.raises(ScimError) as error:
		apply_patch(user(), body)
	assert error.value.status == 400


def test_tokens():
	token, digest = auth.new_token()
	assert auth.token_hash(token) == digest and len(token) > 40
	assert auth.bearer(f"Bearer {token}") == token and auth.bearer(f"bearer {token}") == token
	assert auth.bearer(token) is None and auth.bearer("Bearer other") is None and auth.bearer(None) is None
