"""Who is calling: a number against every phone of every Contact and the staff's extensions.

Each Contact Phone row carries its number in E.164 (`phone_e164`, indexed; filled on save, by the
directory sync's bulk import and once for old rows on migrate), so a lookup is one index probe whatever
the number of contacts."""

import frappe

from xnet_helpdesk.telephony.numbers import DEFAULT_REGION, extension, to_e164

MAX_MATCHES = 10
BACKFILL_PAGE = 5000


def region() -> str:
	value = frappe.db.get_single_value("Helpdesk Settings", "phone_region", cache=True)
	return (value or DEFAULT_REGION).strip().upper()


def fill_caller_keys(contact, method=None) -> None:
	"""Contact hook (and the directory sync's bulk path): the E.164 key of every phone row."""
	numbers_region = region()
	for row in contact.get("phone_nos") or []:
		row.phone_e164 = to_e164(row.phone, numbers_region) or ""


def contacts_with(number_e164: str | None) -> list[str]:
	"""Active contacts having this number, several when several share it (a company's switchboard)."""
	if not number_e164:
		return []
	phone = frappe.qb.DocType("Contact Phone")
	contact = frappe.qb.DocType("Contact")
	return (
		frappe.qb.from_(phone)
		.join(contact)
		.on(contact.name == phone.parent)
		.select(phone.parent)
		.distinct()
		.where(phone.phone_e164 == number_e164)
		.where(phone.parenttype == "Contact")
		.where((contact.disabled == 0) | contact.disabled.isnull())
		.orderby(phone.parent)
		.limit(MAX_MATCHES)
		.run(pluck=True)
	)


def engineer_with_extension(raw: str | None) -> dict | None:
	number = extension(raw)
	if not number:
		return None
	return frappe.db.get_value(
		"Support Engineer",
		{"phone_extension": number, "is_active": 1},
		["name", "user", "full_name", "service_center"],
		as_dict=True,
	)


def backfill(page: int = BACKFILL_PAGE) -> int:
	"""Rows stored before the E.164 column existed (NULL; a number that is none gets ""). Idempotent."""
	phone = frappe.qb.DocType("Contact Phone")
	numbers_region = region()
	done = 0
	while True:
		rows = (
			frappe.qb.from_(phone)
			.select(phone.name, phone.phone)
			.where(phone.phone_e164.isnull())
			.limit(page)
			.run(as_dict=True)
		)
		if not rows:
			return done
		for row in rows:
			frappe.db.set_value(
				"Contact Phone",
				row.name,
				"phone_e164",
				to_e164(row.phone, numbers_region) or "",
				update_modified=False,
			)
		done += len(rows)
