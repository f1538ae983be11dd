"""Caller identification: a contact's phone as typed (or synced) is found whatever way the PBX spells
the caller's number; a disabled contact is not; old rows get their key on migrate."""

import frappe
import pytest

from xnet_helpdesk.telephony import identify
from xnet_helpdesk.telephony.numbers import to_e164

# (as stored on the contact, as the PBX sends it)
SPELLINGS = [
	("8 701 123 45 67", "+77011234567"),
	("+7 (701) 123-45-67", "87011234567"),
	("701 123 45 67", "7011234567"),
	("8(7212)50-52-52", "+7 7212 50 52 52"),
	("+7 7212 505252", "87212505252"),
	("7212 50 52 52", "77212505252"),
	("8-727-225-52-52", "+7 727 225 52 52"),
	("+7 747 000 11 22", "8 (747) 000-11-22"),
	("77770001122", "+77770001122"),
]


def make_contact(phone, name="Caller", disabled=0):
	return frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": "CTI",
			"last_name": name,
			"disabled": disabled,
			"phone_nos": [{"phone": phone}],
			"links": [{"link_doctype": "Client Company", "link_name": "TEST KarMet"}],
		}
	).insert(ignore_permissions=True)


@pytest.mark.parametrize("stored, sent", SPELLINGS)
def test_every_kazakh_spelling_finds_the_contact(world, stored, sent):
	contact = make_contact(stored)
	assert identify.contacts_with(to_e164(sent)) == [contact.name]


def test_a_disabled_contact_is_not_offered(world):
	make_contact("8 701 765 43 21", disabled=1)
	assert identify.contacts_with("+77017654321") == []


def test_nothing_for_no_number(world):
	assert identify.contacts_with(None) == []
	assert identify.contacts_with("") == []


def test_an_edited_phone_moves_its_key(world):
	contact = make_contact("8 701 111 22 33")
	contact.phone_nos[0].phone = "8 701 111 22 44"
	contact.save(ignore_permissions=True)
	assert identify.contacts_with("+77011112233") == []
	assert identify.contacts_with("+77011112244") == [contact.name]


def test_rows_without_a_key_get_it_on_migrate(world):
	contact = make_contact("8 701 222 33 44")
	frappe.db.set_value("Contact Phone", contact.phone_nos[0].name, "phone_e164", None)
	assert identify.contacts_with("+77012223344") == []
	assert identify.backfill() >= 1
	assert identify.contacts_with("+77012223344") == [contact.name]


def test_the_key_column_is_indexed(world):
	indexes = frappe.db.sql("show index from `tabContact Phone` where Column_name = 'phone_e164'")
	assert indexes


def test_an_extension_finds_the_engineer(world):
	engineer = frappe.db.get_value("Support Engineer", {"user": world["users"]["kar_engineer"]})
	frappe.db.set_value("Support Engineer", engineer, "phone_extension", "345")
	assert identify.engineer_with_extension(" 345 ").name == engineer
	assert identify.engineer_with_extension("+7 701 345") is None
