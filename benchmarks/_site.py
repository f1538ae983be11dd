"""Connect a benchmark script to a site of the bench (not part of the test run)."""

import os
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
BENCH = Path(os.environ.get("XNET_BENCH", "/home/frappe/frappe-bench"))


def connect(default_site: str = "xnet-assign.localhost") -> str:
	import frappe

	# first on the path, so `tests` is this checkout's (markdownify, a Frappe dependency, installs a top-level
	# `tests` package into the bench's site-packages)
	if str(CHECKOUT) in sys.path:
		sys.path.remove(str(CHECKOUT))
	sys.path.insert(0, str(CHECKOUT))
	site = os.environ.get("XNET_BENCH_SITE", os.environ.get("XNET_TEST_SITE", default_site))
	os.chdir(BENCH / "sites")
	frappe.init(site=site, sites_path=str(BENCH / "sites"))
	frappe.connect()
	frappe.set_user("Administrator")
	return site


def purge_queued_jobs(site: str, methods: set[str]) -> int:
	"""Background jobs a benchmark queued for this site and ran inline itself: removed from Redis, so a
	worker started later does not find thousands of stale no-op jobs (other sites' jobs are left alone)."""
	from frappe.utils.background_jobs import get_queue

	removed = 0
	for queue_name in ("short", "default", "long"):
		queue = get_queue(queue_name)
		for job in queue.get_jobs():
			kwargs = job.kwargs or {}
			if kwargs.get("site") == site and str(kwargs.get("method")) in methods:
				job.delete()
				removed += 1
	return removed


def ensure_engineer(user: str, center: str, capacity: int = 100_000) -> None:
	"""A second-line engineer (User + Support Engineer) of a benchmark's service center."""
	import frappe

	if not frappe.db.exists("User", user):
		frappe.get_doc(
			{
				"doctype": "User",
				"email": user,
				"first_name": user.split("@")[0],
				"send_welcome_email": 0,
				"user_type": "System User",
				"roles": [{"role": "Helpdesk Engineer"}],
			}
		).insert(ignore_permissions=True)
	if not frappe.db.exists("Support Engineer", user):
		frappe.get_doc(
			{"doctype": "Support Engineer", "user": user, "service_center": center, "capacity": capacity}
		).insert()


def ensure_center_and_company(center: str, company: str) -> None:
	"""A benchmark's own service center (Asia/Almaty) and a client company served by it."""
	import frappe

	if not frappe.db.exists("Service Center", center):
		frappe.get_doc(
			{"doctype": "Service Center", "center_name": center, "city": "Bench", "time_zone": "Asia/Almaty"}
		).insert()
	if not frappe.db.exists("Client Company", company):
		frappe.get_doc(
			{"doctype": "Client Company", "company_name": company, "service_center": center}
		).insert()
