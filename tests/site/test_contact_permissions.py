"""Operators capture and correct callers' details (issue 17, point 8): they list, open, edit and create the
contacts of client companies (and the callers and senders whose company is not known yet), in the Desk and
over REST; staff's and other applications' contacts stay out of their reach, and so do link searches."""

import frappe
import pytest

from tests.site.desk_helpers import link_options, open_form


def new_contact(first_name, email=None, links=(), **values):
	doc = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": first_name,
			"email_ids": [{"email_id": email, "is_primary": 1}] if email else [],
			"links": [{"link_doctype": doctype, "link_name": name} for doctype, name in links],
			**values,
		}
	)
	return doc.insert()


@pytest.fixture
def others(world):
	"""Contacts that are not the helpdesk's, and one of a sender the mail intake could not place
	(made by Administrator, rolled back)."""
	return {
		# Frappe links a contact to the user with its e-mail: an engineer's own contact
		"staff": new_contact("Kar Engineer", world["users"]["kar_engineer"]).name,
		"other_app": new_contact(
			"Accountant", "accountant@other.test", links=[("User", "Administrator")]
		).name,
		# as Frappe's mail pull makes one for an unknown sender: linked to nothing
		"unknown_sender": new_contact("Stranger", "stranger@example.org").name,
	}


def test_operator_lists_and_opens_the_helpdesks_contacts_only(world, others):
	frappe.set_user(world["users"]["operator"])
	listed = set(frappe.get_list("Contact", pluck="name", limit_page_length=0))
	assert set(world["contacts"].values()) <= listed
	assert others["unknown_sender"] in listed
	assert not {others["staff"], others["other_app"]} & listed
	doc, docinfo = open_form("Contact", world["contacts"]["karmet_client"])
	assert docinfo.permissions["write"] and doc.links[0].link_name == "TEST KarMet"
	open_form("Contact", others["unknown_sender"])
	for key in ("staff", "other_app"):
		with pytest.raises(frappe.PermissionError):
			open_form("Contact", others[key])
	# what the form's fields look up: the company of a Links row, the contact's language
	assert "TEST KarMet" in link_options("Client Company", "KarMet")
	assert "kk" in link_options("Language", "kk")


def test_operator_corrects_a_callers_phone_and_email(world):
	frappe.set_user(world["users"]["operator"])
	name = world["contacts"]["karbank_client"]
	contact = frappe.get_doc("Contact", name)
	contact.phone_nos[0].phone = "8 (701) 555-12-34"
	contact.email_ids[0].is_primary = 0
	contact.append("email_ids", {"email_id": "karbank.new@karbank.test", "is_primary": 1})
	contact.save()
	stored = frappe.db.get_value("Contact", name, ["mobile_no", "email_id"], as_dict=True)
	assert stored == {"mobile_no": "+77015551234", "email_id": "karbank.new@karbank.test"}


def test_operator_creates_contacts_of_client_companies(world):
	operator = world["users"]["operator"]
	frappe.set_user(operator)
	contact = new_contact(
		"Гульнара",
		"g.sadykova@karmet.test",
		links=[("Client Company", "TEST KarMet")],
		last_name="Садыкова",
		phone_nos=[{"phone": "+7 701 222 33 44", "is_primary_mobile_no": 1}],
	)
	assert contact.owner == operator
	assert contact.name in frappe.get_list("Contact", pluck="name", limit_page_length=0)
	open_form("Contact", contact.name)
	# a caller whose company is not known yet
	new_contact("Ержан", "erzhan@example.kz")
	# not one of another application's records
	with pytest.raises(frappe.PermissionError, match="Client Company"):
		new_contact("Someone", "someone@other.test", links=[("User", "Administrator")])


def test_operator_cannot_take_over_or_give_away_contacts(world, others):
	frappe.set_user(world["users"]["operator"])
	# a staff contact, made to look like a client's (as a REST PUT would)
	staff = frappe.get_doc("Contact", others["staff"])
	staff.append("links", {"link_doctype": "Client Company", "link_name": "TEST KarMet"})
	with pytest.raises(frappe.PermissionError):
		staff.save()
	# a client's contact, handed to another application's record
	client = frappe.get_doc("Contact", world["contacts"]["karmet_client2"])
	client.links[0].link_doctype = "User"
	client.links[0].link_name = "Administrator"
	with pytest.raises(frappe.PermissionError, match="Client Company"):
		client.save()
	# an unplaced caller's contact, made a staff member's
	stranger = frappe.get_doc("Contact", others["unknown_sender"])
	stranger.user = world["users"]["kar_engineer"]
	with pytest.raises(frappe.PermissionError, match="Client Company"):
		stranger.save()


def test_frappe_still_makes_contacts_of_the_addresses_an_operator_writes_to(world):
	"""Frappe's mail code makes a contact of every new address on a message (a side record, written with
	ignore_permissions): also of a staff member's address on the operator's e-mail, which the operator then
	does not see."""
	from frappe.core.doctype.communication.communication import get_contacts

	frappe.set_user(world["users"]["operator"])
	engineer = world["users"]["kar_engineer"]
	made = get_contacts([f"Kar Engineer <{engineer}>", "Новый Клиент <new.client@karmet.test>"], True)
	assert len(made) == 2
	assert frappe.db.get_value("Contact", made[0], "user") == engineer
	assert made[1] in frappe.get_list("Contact", pluck="name", limit_page_length=0)
	assert made[0] not in frappe.get_list("Contact", pluck="name", limit_page_length=0)


def test_manager_keeps_the_helpdesks_contacts_too(world, others):
	frappe.set_user(world["users"]["manager"])
	listed = set(frappe.get_list("Contact", pluck="name", limit_page_length=0))
	assert set(world["contacts"].values()) <= listed and others["staff"] not in listed
	contact = frappe.get_doc("Contact", world["contacts"]["almatrade_client"])
	contact.designation = "Главный бухгалтер"
	contact.save()


def test_contact_search_offers_the_helpdesks_contacts_to_staff_only(world, others):
	"""The Contact link field's search (this app's query) and the operator's caller search follow the same
	rule; a client's session gets nothing from them."""
	from xnet_helpdesk.intake.phone import find_callers

	frappe.set_user(world["users"]["operator"])
	assert world["contacts"]["karmet_client"] in link_options("Contact", "Karmet Client")
	assert others["unknown_sender"] in link_options("Contact", "Stranger")
	assert others["staff"] not in link_options("Contact", "Kar Engineer")
	assert others["other_app"] not in link_options("Contact", "Accountant")
	assert not [c for c in find_callers("Kar Engineer") if c["contact"] == others["staff"]]
	frappe.set_user(world["users"]["kar_center_manager"])
	assert world["contacts"]["karmet_client"] in link_options("Contact", "Karmet Client")
	assert others["staff"] not in link_options("Contact", "Kar Engineer")
	frappe.set_user(world["users"]["karmet_client"])
	assert link_options("Contact", "Karmet") == []
	assert link_options("Contact", "a") == []


def test_operator_keeps_contacts_over_rest(world, server):
	"""The same over real HTTP with the operator's API key (committed, removed afterwards)."""
	from tests.harness.http import api_client

	staff = new_contact("Kar Engineer", world["users"]["kar_engineer"]).name
	frappe.db.commit()
	created = None
	name = world["contacts"]["almatrade_client"]
	before = frappe.get_doc("Contact", name).as_dict()
	try:
		client = api_client(server, world["users"]["operator"])
		listed = {
			row["name"] for row in client.get("/api/resource/Contact", limit_page_length=0).json()["data"]
		}
		assert name in listed and staff not in listed
		assert client.get(f"/api/resource/Contact/{name}").status_code == 200
		assert client.get(f"/api/resource/Contact/{staff}").status_code == 403
		phones = [{"phone": "8 727 225 52 52", "is_primary_phone": 1}]
		response = client.put(f"/api/resource/Contact/{name}", {"phone_nos": phones})
		assert response.status_code == 200, response.text
		assert response.json()["data"]["phone"] == "+77272255252"
		response = client.post(
			"/api/resource/Contact",
			json={
				"first_name": "Асель",
				"email_ids": [{"email_id": "asel@almatrade.test", "is_primary": 1}],
				"links": [{"link_doctype": "Client Company", "link_name": "TEST AlmaTrade"}],
			},
		)
		assert response.status_code == 200, response.text
		created = response.json()["data"]["name"]
		response = client.put(
			f"/api/resource/Contact/{staff}",
			{"links": [{"link_doctype": "Client Company", "link_name": "TEST KarMet"}]},
		)
		assert response.status_code == 403
		# a client's session: no contacts through the link search
		browser = api_client(server, world["users"]["karmet_client"])
		response = browser.get("/api/method/frappe.desk.search.search_link", doctype="Contact", txt="Client")
		assert not response.ok or response.json().get("message") in ([], None)
	finally:
		frappe.db.rollback()
		frappe.delete_doc("Contact", staff, force=True)
		if created:
			frappe.delete_doc("Contact", created, force=True)
		contact = frappe.get_doc("Contact", name)
		contact.phone_nos = []
		for row in before["phone_nos"]:
			contact.append(
				"phone_nos", {k: row[k] for k in ("phone", "is_primary_phone", "is_primary_mobile_no")}
			)
		contact.save(ignore_permissions=True)
		frappe.db.commit()
