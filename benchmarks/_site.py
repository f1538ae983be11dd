"""Connect a benchmark script to a site of the bench (not part of the test run)."""

import os
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
BENCH = Path(os.environ.get("XNET_BENCH", "/home/frappe/frappe-bench"))


def connect(default_site: str = "xnet-assign.localhost") -> str:
	import frappe

	if str(CHECKOUT) not in sys.path:
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
