"""The active global problems a caller is affected by: what the operator must say at once (the phone card,
the caller card, the registration form and e-mail)."""

import frappe


def get_active_problems_for(client_company: str | None, service_center: str | None) -> list[dict]:
	"""Active problems that affect a company or a service center (or everyone, when no scope is set)."""
	problem = frappe.qb.DocType("Global Problem")
	centers = frappe.qb.DocType("Global Problem Service Center")
	companies = frappe.qb.DocType("Global Problem Client Company")
	affected_by_center = (
		frappe.qb.from_(centers)
		.select(centers.parent)
		.where(centers.service_center == (service_center or ""))
	)
	affected_by_company = (
		frappe.qb.from_(companies)
		.select(companies.parent)
		.where(companies.client_company == (client_company or ""))
	)
	scoped_center = frappe.qb.from_(centers).select(centers.parent)
	scoped_company = frappe.qb.from_(companies).select(companies.parent)
	return (
		frappe.qb.from_(problem)
		.select(problem.name, problem.title, problem.planned_resolution_time, problem.started_on)
		.where(problem.status == "Active")
		.where(
			problem.name.isin(affected_by_center)
			| problem.name.isin(affected_by_company)
			| (problem.name.notin(scoped_center) & problem.name.notin(scoped_company))
		)
		.orderby(problem.started_on, order=frappe.qb.desc)
		.run(as_dict=True)
	)


# --- fan-out to the clients of linked incidents (background jobs) -------------------------------------------
