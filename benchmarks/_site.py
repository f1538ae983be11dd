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
