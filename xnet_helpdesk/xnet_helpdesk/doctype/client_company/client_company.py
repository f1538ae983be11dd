import frappe
from frappe import _
from frappe.model.document import Document

from xnet_helpdesk.business_hours.schedule import valid_coordinates
from xnet_helpdesk.incident_flow.contact_details import InvalidPhone, normalize_domain, normalize_phone


class ClientCompany(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from xnet_helpdesk.xnet_helpdesk.doctype.client_company_email_domain.client_company_email_domain import (
			ClientCompanyEmailDomain,
		)

		address: DF.SmallText | None
		company_name: DF.Data
		email_domains: DF.Table[ClientCompanyEmailDomain]
		is_active: DF.Check
		latitude: DF.Float
		longitude: DF.Float
		notes: DF.Text | None
		phone: DF.Data | None
		service_center: DF.Link

	# end: auto-generated types
	def validate(self):
		self.validate_coordinates()
		self.normalize_phone()
		self.validate_email_domains()

	def validate_coordinates(self):
		if not valid_coordinates(self.latitude, self.longitude):
			frappe.throw(_("Latitude must be between -90 and 90 and longitude between -180 and 180"))

	def normalize_phone(self):
		if self.phone:
			try:
				self.phone = normalize_phone(self.phone)
			except InvalidPhone:
				frappe.throw(_("{0} is not a valid phone number").format(frappe.bold(self.phone)))

	def validate_email_domains(self):
		"""Domains route incoming mail, so each belongs to exactly one company."""
		seen = set()
		for row in self.email_domains:
			domain = normalize_domain(row.domain)
			if not domain:
				frappe.throw(
					_("Row {0}: {1} is not an e-mail domain").format(row.idx, frappe.bold(row.domain))
				)
			if domain in seen:
				frappe.throw(_("E-mail domain {0} is listed twice").format(frappe.bold(domain)))
			seen.add(domain)
			row.domain = domain
		if not seen:
			return
		domain_table = frappe.qb.DocType("Client Company Email Domain")
		taken = (
			frappe.qb.from_(domain_table)
			.select(domain_table.domain, domain_table.parent)
			.where(domain_table.domain.isin(list(seen)))
			.where(domain_table.parent != self.name)
			.where(domain_table.parenttype == "Client Company")
			.limit(1)
			.run(as_dict=True)
		)
		if taken:
			frappe.throw(
				_("E-mail domain {0} already belongs to {1}").format(
					frappe.bold(taken[0].domain), frappe.bold(taken[0].parent)
				),
				frappe.DuplicateEntryError,
			)
