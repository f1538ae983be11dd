"""Engineers ranked by their clients' ratings in a service center and period.

The rank uses a Bayesian average: every engineer starts with DEFAULT_PRIOR_WEIGHT imaginary ratings at the
company-wide average of the period (all centers), so one 5-star review does not top the board. The ratings are read through
frappe.get_list, so a center manager or engineer ranks only the ratings they may see.
"""

import frappe
from frappe import _
from frappe.utils import add_days, cint, flt, getdate, today

from xnet_helpdesk.incident_flow.ratings import bayesian_average

DEFAULT_PRIOR_WEIGHT = 5


def execute(filters=None):
	filters = frappe._dict(filters or {})
	return columns(), rows(filters)


def columns():
	return [
		{"fieldname": "rank", "label": _("Rank"), "fieldtype": "Int", "width": 70},
		{
			"fieldname": "engineer",
			"label": _("Engineer"),
			"fieldtype": "Link",
			"options": "Support Engineer",
			"width": 220,
		},
		{"fieldname": "full_name", "label": _("Full Name"), "fieldtype": "Data", "width": 180},
		{
			"fieldname": "service_center",
			"label": _("Service Center"),
			"fieldtype": "Link",
			"options": "Service Center",
			"width": 160,
		},
		{"fieldname": "ratings", "label": _("Ratings"), "fieldtype": "Int", "width": 90},
		{
			"fieldname": "average",
			"label": _("Average Stars"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 120,
		},
		{
			"fieldname": "score",
			"label": _("Weighted Score"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 130,
		},
		{"fieldname": "low_ratings", "label": _("Low Ratings (1-2)"), "fieldtype": "Int", "width": 130},
	]


def _period(filters) -> dict:
	from_date = getdate(filters.from_date or add_days(today(), -90))
	to_date = getdate(filters.to_date or today())
	return {"submitted_on": ["between", [f"{from_date} 00:00:00", f"{to_date} 23:59:59"]]}


def company_mean(period: dict) -> float:
	# only one average across all centers is read here, so it is not limited to the user's scope
	mean = frappe.get_all("Engineer Rating", filters=period, fields=["avg(stars) as mean"])[0].mean
	return flt(mean) or 3.0


def rows(filters) -> list[dict]:
	period = _period(filters)
	conditions = dict(period)
	if filters.service_center:
		conditions["service_center"] = filters.service_center
	grouped = frappe.get_list(
		"Engineer Rating",
		filters=conditions,
		fields=["engineer", "count(name) as ratings", "sum(stars) as total"],
		group_by="engineer",
		order_by="engineer asc",
	)
	if not grouped:
		return []
	low = dict(
		frappe.get_list(
			"Engineer Rating",
			filters={**conditions, "stars": ["<=", 2]},
			fields=["engineer", "count(name) as low"],
			group_by="engineer",
			as_list=True,
		)
	)
	prior_mean = company_mean(period)
	weight = (
		flt(filters.prior_weight) if filters.get("prior_weight") not in (None, "") else DEFAULT_PRIOR_WEIGHT
	)
	engineers = {
		row.name: row
		for row in frappe.get_all(
			"Support Engineer",
			filters={"name": ["in", [row.engineer for row in grouped]]},
			fields=["name", "full_name", "service_center"],
		)
	}
	result = []
	for row in grouped:
		info = engineers.get(row.engineer) or frappe._dict()
		result.append(
			{
				"engineer": row.engineer,
				"full_name": info.full_name,
				"service_center": info.service_center,
				"ratings": cint(row.ratings),
				"average": round(flt(row.total) / cint(row.ratings), 2),
				"score": round(bayesian_average(flt(row.total), cint(row.ratings), prior_mean, weight), 2),
				"low_ratings": cint(low.get(row.engineer)),
			}
		)
	result.sort(key=lambda row: (-row["score"], -row["ratings"], row["engineer"]))
	for rank, row in enumerate(result, start=1):
		row["rank"] = rank
	return result
