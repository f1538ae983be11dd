import sys

sys.argv = [sys.argv[0], "3"]
import problem_fanout as pf
from _site import connect

connect("xnet-test.localhost")
import frappe
from frappe.utils import add_to_date, now_datetime

from xnet_helpdesk.outages import resolution

pf.setup(frappe)
since = now_datetime()
problem = frappe.get_doc(
	{
		"doctype": "Global Problem",
		"title": pf.TITLE,
		"status": "Active",
		"started_on": since,
		"planned_resolution_time": add_to_date(since, hours=4),
		"affected_client_companies": [{"client_company": pf.COMPANY}],
	}
).insert()
frappe.db.commit()
try:
	pf.link_incidents(frappe, problem.name)
	problem.reload()
	problem.status = "Resolved"
	problem.resolution = "<p>x</p>"
	problem.save()
	frappe.db.commit()
	names = frappe.get_all("Incident", filters={"global_problem": problem.name}, pluck="name")
	resolution.resolve_chunk(names[:2], problem, None)
	from xnet_helpdesk.outages import fanout

	fanout._resolve_one(names[2], problem, None)
	for n in names:
		for c in frappe.get_all("Communication", filters={"reference_name": n}, fields=["*"]):
			print(
				n,
				{
					k: v
					for k, v in c.items()
					if k
					in (
						"communication_date",
						"seen",
						"read_by_recipient",
						"status",
						"delivery_status",
						"email_status",
						"_user_tags",
						"read_receipt",
						"unread_notification_sent",
						"has_attachment",
						"sent_or_received",
						"user",
						"sender_full_name",
						"email_template",
						"communication_type",
						"comment_type",
						"timeline_links",
					)
				},
			)
		for c in frappe.get_all("Comment", filters={"reference_name": n}, fields=["*"]):
			print(
				"  comment",
				{
					k: v
					for k, v in c.items()
					if k in ("comment_type", "published", "seen", "comment_email", "comment_by", "ip_address")
				},
			)
	frappe.db.rollback()
finally:
	pf.cleanup(frappe, problem.name, since)
