"""What the public outage board shows: public, active global problems grouped by the service centers they
affect ("All service centers" for a problem without a center). Only what the admin wrote for the public:
title, description as plain text, start, planned time, the latest update; never an incident or a client
(a problem scoped to client companies only is listed without them)."""

import frappe
from frappe import _
from frappe.utils import strip_html

PAGE = "support/status"
# the lookup page names the board's outages too
PAGES = (PAGE, "support")


def board() -> list[dict]:
	problem = frappe.qb.DocType("Global Problem")
	problems = (
		frappe.qb.from_(problem)
		.select(
			problem.name,
			problem.title,
			problem.description,
			problem.started_on,
			problem.planned_resolution_time,
		)
		.where(problem.status == "Active")
		.where(problem.public == 1)
		.orderby(problem.started_on, order=frappe.qb.desc)
		.run(as_dict=True)
	)
	if not problems:
		return []
	names = [p.name for p in problems]
	centers: dict[str, list[str]] = {}
	for row in frappe.get_all(
		"Global Problem Service Center",
		filters={"parent": ("in", names), "parenttype": "Global Problem"},
		fields=["parent", "service_center"],
		order_by="idx",
	):
		centers.setdefault(row.parent, []).append(row.service_center)
	latest = latest_updates(names)
	everyone = _("All service centers")
	grouped: dict[str, list[dict]] = {}
	for p in problems:
		shown = {
			"title": p.title,
			"description": strip_html(p.description or "").strip(),
			"started_on": p.started_on,
			"planned_resolution_time": p.planned_resolution_time,
			"latest_update": latest.get(p.name),
		}
		for center in centers.get(p.name) or [everyone]:
			grouped.setdefault(center, []).append(shown)
	return [
		{"label": label, "problems": grouped[label]}
		for label in sorted(grouped, key=lambda label: (label != everyone, label))
	]


def latest_updates(problems: list[str]) -> dict[str, dict]:
	latest = {}
	for row in frappe.get_all(
		"Global Problem Update",
		filters={"global_problem": ("in", problems)},
		fields=["global_problem", "message", "posted_on"],
		order_by="posted_on desc",
	):
		latest.setdefault(row.global_problem, row)
	return latest


def clear_board_cache(*args, **kwargs) -> None:
	"""The board and the lookup page are cached per language: a change of a problem or an update is shown
	at the next request."""
	from frappe.website.utils import delete_page_cache

	for page in PAGES:
		delete_page_cache(page)
