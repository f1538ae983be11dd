"""Who sees which incidents (and the records hanging off them), for Desk, REST and reports alike.

One function, `visibility_scope`, says what a user may see; the query condition and the per-document
check are both derived from it, so list views and single-document access can never disagree.

- Helpdesk Manager, System Manager, Helpdesk Operator: everything (first line takes every call).
- Service Center Manager: incidents of the centers they manage (and of their own center).
- Helpdesk Engineer: incidents of their service center, and those assigned to them anywhere.
- Helpdesk Client: incidents whose contact is theirs; a company representative sees the company's.
"""

from dataclasses import dataclass, field

import frappe
from pypika.terms import Criterion

from xnet_helpdesk.consts import CENTER_MANAGER, CLIENT, ENGINEER, MANAGER, OPERATOR, SYSTEM_MANAGER

UNRESTRICTED_ROLES = frozenset({SYSTEM_MANAGER, MANAGER, OPERATOR})
STAFF_ROLES = frozenset({CENTER_MANAGER, ENGINEER})


@dataclass
class Scope:
	unrestricted: bool = False
	service_centers: set = field(default_factory=set)
	engineer: str | None = None
	contacts: set = field(default_factory=set)
	client_companies: set = field(default_factory=set)

	def sees(self, service_center=None, engineer=None, contact=None, client_company=None) -> bool:
		return (
			self.unrestricted
			or (service_center is not None and service_center in self.service_centers)
			or (engineer is not None and engineer == self.engineer)
			or (contact is not None and contact in self.contacts)
			or (client_company is not None and client_company in self.client_companies)
		)


def visibility_scope(user: str | None = None) -> Scope:
	user = user or frappe.session.user
	cache = getattr(frappe.local, "xnet_visibility_scope", None)
	if cache is None:
		cache = frappe.local.xnet_visibility_scope = {}
	if user not in cache:
		cache[user] = _compute_scope(user)
	return cache[user]


def _compute_scope(user: str) -> Scope:
	if user == "Administrator":
		return Scope(unrestricted=True)
	roles = set(frappe.get_roles(user))
	if roles & UNRESTRICTED_ROLES:
		return Scope(unrestricted=True)
	scope = Scope()
	if roles & STAFF_ROLES:
		engineer = frappe.db.get_value(
			"Support Engineer", {"user": user, "is_active": 1}, ["name", "service_center"], as_dict=True
		)
		if engineer:
			scope.engineer = engineer.name
			scope.service_centers.add(engineer.service_center)
	if CENTER_MANAGER in roles:
		scope.service_centers.update(
			frappe.get_all("Service Center", filters={"manager": user}, pluck="name")
		)
	if CLIENT in roles:
		contact = frappe.qb.DocType("Contact")
		link = frappe.qb.DocType("Dynamic Link")
		rows = (
			frappe.qb.from_(contact)
			.left_join(link)
			.on(
				(link.parent == contact.name)
				& (link.parenttype == "Contact")
				& (link.link_doctype == "Client Company")
			)
			.select(contact.name, contact.is_company_representative, link.link_name)
			.where(contact.user == user)
			.run(as_dict=True)
		)
		for row in rows:
			scope.contacts.add(row.name)
			if row.is_company_representative and row.link_name:
				scope.client_companies.add(row.link_name)
	return scope


def clear_scope_cache(*args, **kwargs):
	frappe.local.xnet_visibility_scope = {}


def _condition(table, scope: Scope, columns: dict) -> str:
	"""SQL condition for a table, given which of its columns carry center/engineer/contact/company."""
	if scope.unrestricted:
		return ""
	terms = []
	if scope.service_centers and "service_center" in columns:
		terms.append(table[columns["service_center"]].isin(sorted(scope.service_centers)))
	if scope.engineer and "engineer" in columns:
		terms.append(table[columns["engineer"]] == scope.engineer)
	if scope.contacts and "contact" in columns:
		terms.append(table[columns["contact"]].isin(sorted(scope.contacts)))
	if scope.client_companies and "client_company" in columns:
		terms.append(table[columns["client_company"]].isin(sorted(scope.client_companies)))
	if not terms:
		return "1=0"
	return Criterion.any(terms).get_sql(quote_char="`", with_namespace=True)


INCIDENT_COLUMNS = {
	"service_center": "service_center",
	"engineer": "engineer",
	"contact": "contact",
	"client_company": "client_company",
}
RATING_COLUMNS = {"service_center": "service_center", "engineer": "engineer", "contact": "contact"}


def incident_query_conditions(user=None, doctype=None) -> str:
	return _condition(frappe.qb.DocType("Incident"), visibility_scope(user), INCIDENT_COLUMNS)


def incident_has_permission(doc, ptype=None, user=None) -> bool:
	scope = visibility_scope(user)
	if scope.unrestricted:
		return True
	return scope.sees(
		service_center=doc.get("service_center"),
		engineer=doc.get("engineer"),
		contact=doc.get("contact"),
		client_company=doc.get("client_company"),
	)


def rating_query_conditions(user=None, doctype=None) -> str:
	return _condition(frappe.qb.DocType("Engineer Rating"), visibility_scope(user), RATING_COLUMNS)


def rating_has_permission(doc, ptype=None, user=None) -> bool:
	scope = visibility_scope(user)
	return scope.unrestricted or scope.sees(
		service_center=doc.get("service_center"), engineer=doc.get("engineer"), contact=doc.get("contact")
	)


def engineer_query_conditions(user=None, doctype=None) -> str:
	"""Engineers and center managers see their centers' engineers; the Support Engineer record itself."""
	scope = visibility_scope(user)
	table = frappe.qb.DocType("Support Engineer")
	if scope.unrestricted:
		return ""
	terms = []
	if scope.service_centers:
		terms.append(table.service_center.isin(sorted(scope.service_centers)))
	if scope.engineer:
		terms.append(table.name == scope.engineer)
	if not terms:
		return "1=0"
	return Criterion.any(terms).get_sql(quote_char="`", with_namespace=True)


def engineer_has_permission(doc, ptype=None, user=None) -> bool:
	scope = visibility_scope(user)
	if scope.unrestricted:
		return True
	user = user or frappe.session.user
	if ptype in (None, "read", "select", "print", "email", "report"):
		return doc.get("service_center") in scope.service_centers or doc.name == scope.engineer
	# writing: an engineer edits only their own record; a center manager those of the centers they manage
	managed = set(frappe.get_all("Service Center", filters={"manager": user}, pluck="name"))
	return doc.get("user") == user or doc.get("service_center") in managed


CALL_COLUMNS = {"service_center": "service_center"}


def call_query_conditions(user=None, doctype=None) -> str:
	"""Calls: first line and managers all of them; a center manager those of their centers."""
	return _condition(frappe.qb.DocType("Call"), visibility_scope(user), CALL_COLUMNS)


def call_has_permission(doc, ptype=None, user=None) -> bool:
	scope = visibility_scope(user)
	return scope.unrestricted or scope.sees(service_center=doc.get("service_center"))
