"""SCIM 2.0 over real HTTP (scim/router.py): the protocol as Entra ID and Okta speak it, two client
companies that must not see each other, bad requests that change nothing, paging over 10,000 users.

The web server commits, so these tests work on their own companies ("TEST SCIM …") and remove them."""

import uuid

import frappe
import pytest
import requests

from tests.harness.directory_cleanup import remove_companies
from xnet_helpdesk.directory import mapping
from xnet_helpdesk.directory.merge import SyncRun, apply_batch
from xnet_helpdesk.scim.users import ENTERPRISE

COMPANY, OTHER = "TEST SCIM KarMet", "TEST SCIM Qazaqgaz"
SCIM_TYPE = "application/scim+json"


def _cleanup():
	remove_companies("TEST SCIM")


class Scim:
	def __init__(self, server, token):
		self.base = server.base + "/scim/v2"
		self.token = token

	def call(self, method, path, body=None, token=None, **kwargs):
		headers = {"Content-Type": SCIM_TYPE, "Accept": SCIM_TYPE}
		token = self.token if token is None else token
		if token is not False:
			headers["Authorization"] = f"Bearer {token}"
		return requests.request(method, self.base + path, json=body, headers=headers, timeout=60, **kwargs)


@pytest.fixture(scope="module")
def scim(server, world):
	_cleanup()
	tokens = {}
	for company in (COMPANY, OTHER):
		frappe.get_doc(
			{"doctype": "Client Company", "company_name": company, "service_center": "TEST Karaganda"}
		).insert()
		source = frappe.get_doc(
			{
				"doctype": "Directory Source",
				"source_name": f"{company} Entra",
				"client_company": company,
				"feed": "SCIM Push",
			}
		).insert()
		tokens[company] = source.generate_scim_token()["token"]
	frappe.db.commit()
	yield {company: Scim(server, token) for company, token in tokens.items()}
	_cleanup()


def new_user(login=None, **values):
	login = login or f"u{uuid.uuid4().hex[:10]}@karmet.kz"
	return {
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName": login,
		"externalId": f"ext-{login}",
		"name": {"givenName": "Айгерим", "familyName": "Иванова"},
		"emails": [{"value": login, "type": "work", "primary": True}],
		"phoneNumbers": [{"value": "8 (7212) 50-52-52", "type": "work"}],
		"title": "Бухгалтер",
		ENTERPRISE: {"department": "Бухгалтерия"},
		"active": True,
		**values,
	}


def contact_of(user_id):
	frappe.db.rollback()  # see what the server committed
	name = frappe.db.get_value("Contact", {"directory_id": user_id}, "name")
	return frappe.get_doc("Contact", name) if name else None


def state():
	"""Everything a failed request must leave as it was."""
	frappe.db.rollback()
	return (
		frappe.db.count("Contact"),
		frappe.db.sql("select max(modified) from tabContact")[0][0],
		frappe.db.count("Contact Email"),
	)


def error(response, status, scim_type=None):
	assert response.status_code == status, response.text
	assert response.headers["Content-Type"].startswith(SCIM_TYPE)
	body = response.json()
	assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
	assert body["status"] == str(status)
	if scim_type:
		assert body["scimType"] == scim_type


# --- discovery ---------------------------------------------------------------------------------------


def test_discovery_endpoints(scim):
	client = scim[COMPANY]
	config = client.call("GET", "/ServiceProviderConfig")
	assert config.status_code == 200 and config.headers["Content-Type"].startswith(SCIM_TYPE)
	assert config.json()["patch"]["supported"] is True and config.json()["bulk"]["supported"] is False
	types = client.call("GET", "/ResourceTypes").json()
	assert [t["endpoint"] for t in types["Resources"]] == ["/Users"]
	assert client.call("GET", "/ResourceTypes/User").json()["schema"].endswith(":User")
	schemas = client.call("GET", "/Schemas").json()
	ids = {s["id"] for s in schemas["Resources"]}
	assert ids == {"urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE}
	error(client.call("GET", "/Groups"), 404)
	error(client.call("POST", "/Schemas", {}), 405)


def test_no_or_wrong_token_is_401_and_changes_nothing(scim):
	client = scim[COMPANY]
	before = state()
	for token in (False, "xscim_wrong", "token abc:def"):
		error(client.call("GET", "/Users", token=token), 401)
		error(client.call("POST", "/Users", new_user(), token=token), 401)
	response = requests.get(client.base + "/Users", headers={"Authorization": "Basic YTpi"}, timeout=30)
	error(response, 401)
	assert state() == before


# --- create, read, find ------------------------------------------------------------------------------


def test_post_creates_a_contact_of_the_company_through_the_merge_path(scim):
	created = scim[COMPANY].call("POST", "/Users", new_user("a.ivanova@karmet.kz"))
	assert created.status_code == 201, created.text
	user = created.json()
	assert user["userName"] == "a.ivanova@karmet.kz" and user["active"] is True
	assert user["externalId"] == "ext-a.ivanova@karmet.kz"
	assert user["phoneNumbers"] == [{"value": "+77212505252", "type": "work"}]  # E.164, as the form does
	assert user["meta"]["location"].endswith(f"/scim/v2/Users/{user['id']}")
	contact = contact_of(user["id"])
	assert contact.has_link("Client Company", COMPANY) and not contact.has_link("Client Company", OTHER)
	assert contact.email_id == "a.ivanova@karmet.kz" and contact.phone == "+77212505252"
	assert (contact.department, contact.designation) == ("Бухгалтерия", "Бухгалтер")
	assert scim[COMPANY].call("GET", f"/Users/{user['id']}").json() == user


def test_duplicate_username_is_409(scim):
	client = scim[COMPANY]
	assert client.call("POST", "/Users", new_user("dup@karmet.kz")).status_code == 201
	before = state()
	error(client.call("POST", "/Users", new_user("DUP@karmet.kz")), 409, "uniqueness")
	assert state() == before


def test_filters_and_paging(scim):
	client = scim[COMPANY]
	logins = [f"page{i}@karmet.kz" for i in range(5)]
	ids = [client.call("POST", "/Users", new_user(login)).json()["id"] for login in logins]
	for text in (
		'userName eq "page2@karmet.kz"',
		'externalId eq "ext-page2@karmet.kz"',
		'emails[type eq "work" and value eq "page2@karmet.kz"]',
		'emails.value eq "page2@karmet.kz" and userName eq "PAGE2@karmet.kz"',
	):
		found = client.call("GET", "/Users", params={"filter": text}).json()
		assert found["totalResults"] == 1 and [u["id"] for u in found["Resources"]] == [ids[2]], text
	none = client.call("GET", "/Users", params={"filter": 'userName eq "nobody@karmet.kz"'}).json()
	assert none["totalResults"] == 0 and none["Resources"] == []
	error(client.call("GET", "/Users", params={"filter": 'userName co "page"'}), 400, "invalidFilter")
	error(client.call("GET", "/Users", params={"filter": "userName eq"}), 400, "invalidFilter")
	error(client.call("GET", "/Users", params={"startIndex": "x"}), 400, "invalidValue")
	every = client.call("GET", "/Users", params={"count": 1000}).json()
	paged = []
	for start in range(1, every["totalResults"] + 1, 2):
		page = client.call("GET", "/Users", params={"startIndex": start, "count": 2}).json()
		assert page["startIndex"] == start and page["totalResults"] == every["totalResults"]
		paged += [u["id"] for u in page["Resources"]]
	assert paged == [u["id"] for u in every["Resources"]] and set(ids) <= set(paged)


# --- Entra and Okta updates --------------------------------------------------------------------------


def test_entra_patch_soft_delete_and_restore(scim):
	client = scim[COMPANY]
	user = client.call("POST", "/Users", new_user()).json()
	off = {
		"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "Replace", "path": "active", "value": "False"}],
	}
	patched = client.call("PATCH", f"/Users/{user['id']}", off)
	assert patched.status_code == 200 and patched.json()["active"] is False
	assert contact_of(user["id"]).disabled == 1
	assert client.call("GET", f"/Users/{user['id']}").json()["active"] is False  # kept, readable
	on = {"Operations": [{"op": "replace", "value": {"active": True}}]}
	assert client.call("PATCH", f"/Users/{user['id']}", on).json()["active"] is True
	assert contact_of(user["id"]).disabled == 0


def test_entra_patch_paths(scim):
	client = scim[COMPANY]
	user = client.call("POST", "/Users", new_user()).json()
	body = {
		"Operations": [
			{"op": "Replace", "value": {"name.givenName": "Айгуль", "title": "Главный бухгалтер"}},
			{"op": "replace", "path": 'emails[type eq "work"].value', "value": "aigul@karmet.kz"},
			{"op": "Add", "path": f"{ENTERPRISE}:department", "value": "Финансы"},
			{"op": "add", "path": "phoneNumbers", "value": [{"value": "+7 701 111 2233", "type": "mobile"}]},
		]
	}
	result = client.call("PATCH", f"/Users/{user['id']}", body)
	assert result.status_code == 200, result.text
	contact = contact_of(user["id"])
	assert contact.first_name == "Айгуль" and contact.designation == "Главный бухгалтер"
	assert contact.email_id == "aigul@karmet.kz" and contact.department == "Финансы"
	assert contact.mobile_no == "+77011112233"


def test_okta_put_replaces(scim):
	client = scim[COMPANY]
	user = client.call("POST", "/Users", new_user()).json()
	replaced = new_user(user["userName"], title="Кассир", active=False, externalId=user["externalId"])
	result = client.call("PUT", f"/Users/{user['id']}", replaced)
	assert (
		result.status_code == 200 and result.json()["title"] == "Кассир" and result.json()["active"] is False
	)
	contact = contact_of(user["id"])
	assert contact.designation == "Кассир" and contact.disabled == 1
	other = client.call("POST", "/Users", new_user()).json()
	before = state()
	error(client.call("PUT", f"/Users/{user['id']}", new_user(other["userName"])), 409, "uniqueness")
	assert state() == before


def test_delete_disables_and_forgets(scim):
	client = scim[COMPANY]
	user = client.call("POST", "/Users", new_user()).json()
	name = contact_of(user["id"]).name
	assert client.call("DELETE", f"/Users/{user['id']}").status_code == 204
	error(client.call("GET", f"/Users/{user['id']}"), 404)
	frappe.db.rollback()
	assert frappe.db.get_value("Contact", name, ["disabled", "directory_source"]) == (1, None)


# --- isolation and bad requests ----------------------------------------------------------------------


def test_a_token_sees_only_its_own_company(scim):
	mine = scim[COMPANY].call("POST", "/Users", new_user("shared@karmet.kz")).json()
	theirs = scim[OTHER].call("POST", "/Users", new_user("shared@karmet.kz"))
	assert theirs.status_code == 201  # the same login in another company is another person
	before = state()
	other = scim[OTHER]
	error(other.call("GET", f"/Users/{mine['id']}"), 404)
	error(
		other.call(
			"PATCH",
			f"/Users/{mine['id']}",
			{"Operations": [{"op": "replace", "path": "active", "value": False}]},
		),
		404,
	)
	error(other.call("PUT", f"/Users/{mine['id']}", new_user("x@karmet.kz")), 404)
	error(other.call("DELETE", f"/Users/{mine['id']}"), 404)
	listed = other.call("GET", "/Users", params={"count": 1000}).json()
	assert mine["id"] not in {u["id"] for u in listed["Resources"]} and listed["totalResults"] == 1
	assert state() == before
	assert contact_of(mine["id"]).has_link("Client Company", COMPANY)


def test_bad_bodies_change_nothing(scim):
	client = scim[COMPANY]
	user = client.call("POST", "/Users", new_user()).json()
	before = state()
	url = client.base + "/Users"
	headers = {"Authorization": f"Bearer {client.token}", "Content-Type": SCIM_TYPE}
	# Frappe parses a JSON body before any app hook; it answers JSON (turned into SCIM's 400 by
	# router.repair_error) when the client accepts application/json (docs/api.md §8)
	error(
		requests.post(
			url,
			data=b"{not json",
			headers={**headers, "Accept": "application/scim+json, application/json"},
			timeout=30,
		),
		400,
		"invalidSyntax",
	)
	error(requests.post(url, data=b"[1, 2]", headers=headers, timeout=30), 400, "invalidSyntax")
	error(client.call("POST", "/Users", new_user(userName="")), 400, "invalidValue")
	error(client.call("POST", "/Users", new_user(active="perhaps")), 400, "invalidValue")
	error(client.call("POST", "/Users", new_user(emails="x")), 400, "invalidValue")
	error(
		client.call("PATCH", f"/Users/{user['id']}", {"Operations": [{"op": "move", "path": "title"}]}),
		400,
		"invalidSyntax",
	)
	error(
		client.call(
			"PATCH",
			f"/Users/{user['id']}",
			{"Operations": [{"op": "replace", "path": "emails[type gt 1].value", "value": "x"}]},
		),
		400,
		"invalidFilter",
	)
	# the first operation alone would be valid: nothing of a failed PATCH is kept
	half = {
		"Operations": [
			{"op": "replace", "path": "title", "value": "Новая"},
			{"op": "replace", "path": "active", "value": "nope"},
		]
	}
	error(client.call("PATCH", f"/Users/{user['id']}", half), 400, "invalidValue")
	big = new_user(title="я" * (1024 * 1024 // 2))
	error(client.call("POST", "/Users", big), 413)
	error(client.call("DELETE", "/Users"), 405)
	error(client.call("GET", "/Users/no-such-id"), 404)
	assert state() == before


def test_ten_thousand_users_paged(scim):
	"""10,000 people of the company written through the merge path (as a first push would), then read
	back over HTTP a page of 1,000 at a time: every one exactly once."""
	source = frappe.get_doc("Directory Source", {"client_company": OTHER})
	run = SyncRun(source, "SCIM")
	frappe.flags.in_import = True
	try:
		for start in range(0, 10_000, 500):
			batch = [
				mapping.DirectoryPerson(
					directory_id=str(uuid.uuid4()),
					dn=f"scim:bulk{i}",
					username=f"bulk{i}@qazaqgaz.kz",
					first_name=f"Bulk{i}",
					email=f"bulk{i}@qazaqgaz.kz",
				)
				for i in range(start, start + 500)
			]
			apply_batch(run, batch)
			frappe.db.commit()
	finally:
		frappe.flags.in_import = False
	client = scim[OTHER]
	seen, start, total = [], 1, None
	while True:
		page = client.call("GET", "/Users", params={"startIndex": start, "count": 1000}).json()
		total = page["totalResults"]
		if not page["Resources"]:
			break
		seen += [u["id"] for u in page["Resources"]]
		start += len(page["Resources"])
	assert total >= 10_000 and len(seen) == total == len(set(seen))


def test_rotated_or_disabled_source_token_is_refused(scim):
	client = scim[OTHER]
	assert client.call("GET", "/Users", params={"count": 0}).status_code == 200
	source = frappe.get_doc("Directory Source", {"client_company": OTHER})
	old = client.token
	new = source.generate_scim_token()["token"]
	frappe.db.commit()
	try:
		assert new != old and source.scim_token_hash not in (old, new)  # only a hash is stored
		error(client.call("GET", "/Users", token=old), 401)
		assert client.call("GET", "/Users", token=new, params={"count": 0}).status_code == 200
		frappe.db.set_value("Directory Source", source.name, "enabled", 0)
		frappe.db.commit()
		error(client.call("GET", "/Users", token=new), 401)
	finally:
		frappe.db.set_value("Directory Source", source.name, "enabled", 1)
		frappe.db.commit()
		client.token = new


def test_the_directory_login_is_indexed():
	"""userName is looked up on every POST (is it taken?) and in Entra's filters: indexed, not scanned."""
	assert frappe.db.sql("show index from `tabContact` where Column_name = 'directory_username'")
	assert frappe.db.get_value("Custom Field", "Contact-directory_username", "search_index") == 1


def test_a_deadlocked_write_is_done_again_and_then_refused_with_503(monkeypatch):
	"""Four clients creating users of one company meet each other's row locks: the request is rolled back and
	done again (nothing half-written stays), and after three tries the client is told to come back."""
	from xnet_helpdesk.scim import router
	from xnet_helpdesk.scim.users import ScimError

	attempts = []

	def deadlocking(times):
		def dispatch(request):
			attempts.append(request)
			if len(attempts) <= times:
				frappe.db.set_single_value("Helpdesk Settings", "burst_count", 7)  # the rollback undoes it
				raise frappe.QueryDeadlockError("Deadlock found when trying to get lock")
			assert frappe.db.get_single_value("Helpdesk Settings", "burst_count") == before
			return 201, {"id": "x"}

		return dispatch

	before = frappe.db.get_single_value("Helpdesk Settings", "burst_count")
	monkeypatch.setattr(router, "_dispatch", deadlocking(2))
	assert router._dispatch_retrying("request") == (201, {"id": "x"}) and len(attempts) == 3
	attempts.clear()
	monkeypatch.setattr(router, "_dispatch", deadlocking(3))
	with pytest.raises(ScimError) as refused:
		router._dispatch_retrying("request")
	assert refused.value.status == 503 and len(attempts) == 3
	assert frappe.db.get_single_value("Helpdesk Settings", "burst_count") == before
