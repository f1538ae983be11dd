"""A small committed world for site tests: two cities, their companies, staff of every role and clients.

Created once per test site (idempotent); tests change it only inside their rolled-back transaction.
"""

import functools

import frappe

PASSWORD = "Xnet-test-pass-2026"

CENTERS = {
	"TEST Karaganda": {"city": "Караганда", "latitude": 49.806406, "longitude": 73.085485},
	"TEST Almaty": {"city": "Алматы", "latitude": 43.238949, "longitude": 76.889709},
}
COMPANIES = {
	"TEST KarMet": "TEST Karaganda",
	"TEST KarBank": "TEST Karaganda",
	"TEST AlmaTrade": "TEST Almaty",
}
# user key -> (roles, service center for staff / company for clients, extra)
STAFF = {
	"operator": (["Helpdesk Operator"], None),
	"manager": (["Helpdesk Manager"], None),
	"kar_engineer": (["Helpdesk Engineer"], "TEST Karaganda"),
	"kar_engineer2": (["Helpdesk Engineer"], "TEST Karaganda"),
	"alm_engineer": (["Helpdesk Engineer"], "TEST Almaty"),
	"kar_center_manager": (["Service Center Manager"], "TEST Karaganda"),
	"alm_center_manager": (["Service Center Manager"], "TEST Almaty"),
}
CLIENTS = {
	# key -> (company, company representative?)
	"karmet_client": ("TEST KarMet", False),
	"karmet_client2": ("TEST KarMet", False),
	"karmet_rep": ("TEST KarMet", True),
	"karbank_client": ("TEST KarBank", False),
	"almatrade_client": ("TEST AlmaTrade", False),
}


def email(key: str) -> str:
	return f"{key.replace('_', '.')}@test.xnet.kz"


def ensure_user(key: str, roles: list[str], user_type: str = "System User") -> str:
	address = email(key)
	if not frappe.db.exists("User", address):
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": address,
				"first_name": key.replace("_", " ").title(),
				"send_welcome_email": 0,
				"user_type": user_type,
				"new_password": PASSWORD,
				"language": "ru",
			}
		)
		user.flags.no_welcome_mail = True
		user.insert(ignore_permissions=True)
	user = frappe.get_doc("User", address)
	missing = [r for r in roles if r not in frappe.get_roles(address)]
	if missing:
		user.add_roles(*missing)
	return address


@functools.cache
def build() -> dict:
	"""Return names of everything in the world, creating what is missing (and committing it)."""
	for name, values in CENTERS.items():
		if not frappe.db.exists("Service Center", name):
			frappe.get_doc(
				{
					"doctype": "Service Center",
					"center_name": name,
					"time_zone": "Asia/Almaty",
					**values,
					"working_hours": [
						{"weekday": d, "start_time": "09:00", "end_time": "18:00"}
						for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
					],
				}
			).insert()
	for name, center in COMPANIES.items():
		if not frappe.db.exists("Client Company", name):
			domain = name.split()[-1].lower() + ".test"
			frappe.get_doc(
				{
					"doctype": "Client Company",
					"company_name": name,
					"service_center": center,
					"email_domains": [{"domain": domain}],
				}
			).insert()
	if not frappe.db.exists("Incident Category", "TEST Hardware"):
		frappe.get_doc({"doctype": "Incident Category", "category_name": "TEST Hardware"}).insert()
	users = {}
	for key, (roles, center) in STAFF.items():
		users[key] = ensure_user(key, roles)
		if "engineer" in key and not frappe.db.exists("Support Engineer", users[key]):
			frappe.get_doc(
				{"doctype": "Support Engineer", "user": users[key], "service_center": center, "capacity": 5}
			).insert()
		if "center_manager" in key:
			frappe.db.set_value("Service Center", center, "manager", users[key])
	contacts = {}
	for key, (company, representative) in CLIENTS.items():
		users[key] = ensure_user(key, ["Helpdesk Client"], user_type="Website User")
		contact_name = frappe.db.get_value("Contact", {"user": users[key]})
		if not contact_name:
			contact = frappe.get_doc(
				{
					"doctype": "Contact",
					"first_name": key.replace("_", " ").title(),
					"user": users[key],
					"is_company_representative": int(representative),
					"email_ids": [{"email_id": users[key], "is_primary": 1}],
					"phone_nos": [
						{"phone": "+7701" + str(abs(hash(key)) % 10**7).zfill(7), "is_primary_mobile_no": 1}
					],
					"links": [{"link_doctype": "Client Company", "link_name": company}],
				}
			).insert(ignore_permissions=True)
			contact_name = contact.name
		contacts[key] = contact_name
	frappe.db.commit()
	purge_leftovers(users)
	purge_orphans()
	frappe.db.commit()
	return {"users": users, "contacts": contacts, "centers": list(CENTERS), "companies": dict(COMPANIES)}


def purge_leftovers(users: dict) -> None:
	"""What an interrupted run (or a test that committed by mistake) left: at the start of a session no test
	data is committed, so the world's incidents (and their ratings) and a Support Engineer record of staff
	who are not engineers go. The demo's data (its own companies) stays."""
	from tests.site.portal_helpers import cleanup

	cleanup(frappe.get_all("Incident", filters={"client_company": ("in", list(COMPANIES))}, pluck="name"))
	for key, (roles, _center) in STAFF.items():
		if "Helpdesk Engineer" not in roles and frappe.db.exists("Support Engineer", users[key]):
			frappe.delete_doc("Support Engineer", users[key], force=True, ignore_permissions=True)


def purge_orphans():
	"""Incident numbers are reused after a rolled-back test; timeline rows left by an earlier run's
	deleted incident must not show up on the new one with the same number."""
	incident = frappe.qb.DocType("Incident")
	existing = frappe.qb.from_(incident).select(incident.name)
	for doctype, type_field, name_field in (
		("Comment", "reference_doctype", "reference_name"),
		("Communication", "reference_doctype", "reference_name"),
		("ToDo", "reference_type", "reference_name"),
		("Version", "ref_doctype", "docname"),
		("Pending Notification", "reference_doctype", "reference_name"),
		("Email Queue", "reference_doctype", "reference_name"),
	):
		table = frappe.qb.DocType(doctype)
		frappe.qb.from_(table).delete().where(table[type_field] == "Incident").where(
			table[name_field].notin(existing)
		).run()
	queue, recipient = frappe.qb.DocType("Email Queue"), frappe.qb.DocType("Email Queue Recipient")
	frappe.qb.from_(recipient).delete().where(
		recipient.parent.notin(frappe.qb.from_(queue).select(queue.name))
	).run()


def make_incident(world: dict, client_key: str = "karmet_client", **values):
	"""A Registered incident of a known client, inserted as Administrator (not committed)."""
	doc = frappe.get_doc(
		{
			"doctype": "Incident",
			"subject": values.pop("subject", "Не печатает принтер"),
			"contact": world["contacts"][client_key],
			"channel": "Phone",
			**values,
		}
	)
	return doc.insert()
