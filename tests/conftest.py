"""Test harness.

Pure tests (tests/unit/) need nothing. Site tests (tests/site/ and the doctype folders) need a Frappe v15
bench: the harness finds it at $XNET_BENCH (default /home/frappe/frappe-bench), points the bench's
apps/xnet_helpdesk at *this* checkout, creates or refreshes a dedicated test site ($XNET_TEST_SITE,
default xnet-test.localhost) and connects to it. Without a bench the site tests are skipped, with one
line saying why.
"""

import os
import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parent.parent
if str(CHECKOUT) not in sys.path:
	sys.path.insert(0, str(CHECKOUT))

from tests.harness import bench as bench_harness

SITE_TEST_DIRS = ("tests/site/", "xnet_helpdesk/xnet_helpdesk/doctype/")


def _is_site_test(item) -> bool:
	path = Path(str(item.fspath)).resolve().relative_to(CHECKOUT).as_posix()
	return path.startswith(SITE_TEST_DIRS)


def pytest_ignore_collect(collection_path, config):
	"""Without a bench the site test modules cannot even be imported (they import frappe): not collected,
	and the header and the last line say so."""
	if not bench_harness.unavailable_reason():
		return None
	try:
		path = Path(collection_path).resolve().relative_to(CHECKOUT).as_posix() + "/"
	except ValueError:
		return None
	return True if path.startswith(SITE_TEST_DIRS) else None


def pytest_collection_modifyitems(config, items):
	reason = bench_harness.unavailable_reason()
	for item in items:
		if _is_site_test(item):
			item.add_marker(pytest.mark.site)
			if reason:
				item.add_marker(pytest.mark.skip(reason=reason))


def pytest_report_header(config):
	reason = bench_harness.unavailable_reason()
	if reason:
		return f"xnet_helpdesk site tests: SKIPPED — {reason}"
	return f"xnet_helpdesk site tests: bench {bench_harness.bench_path()}, site {bench_harness.site_name()}"


def pytest_terminal_summary(terminalreporter):
	ran, skipped = site_test_counts(terminalreporter.stats)
	if bench_harness.SITE_SETUP_SECONDS:
		seconds = bench_harness.SITE_SETUP_SECONDS[0]
		terminalreporter.write_line(
			f"xnet_helpdesk: test site {bench_harness.site_name()} ready in {seconds:.0f} s"
		)
	terminalreporter.write_line(f"xnet_helpdesk: {ran} site tests ran, {skipped} site tests skipped")
	reason = ci_failure_reason(ran)
	if reason:
		terminalreporter.write_line(f"xnet_helpdesk: FAILED under CI=true: {reason}", red=True)


def ci_failure_reason(site_tests_ran: int) -> str | None:
	"""Under CI a green run must prove the app on a real site: no site test run is a failure."""
	if os.environ.get("CI") != "true":
		return None
	reason = bench_harness.unavailable_reason()
	if reason:
		return f"the site tests could not run ({reason})"
	if site_tests_ran == 0:
		return "no site test ran"
	return None


def site_test_counts(stats: dict) -> tuple[int, int]:
	"""(ran, skipped) among the site tests; a test skipped in its setup (a fixture) counts as skipped."""
	ran = skipped = 0
	for key in ("passed", "failed", "skipped"):
		for report in stats.get(key, []):
			if "site" not in getattr(report, "keywords", {}):
				continue
			if report.outcome == "skipped":
				skipped += 1
			elif report.when == "call":
				ran += 1
	return ran, skipped


def pytest_sessionfinish(session, exitstatus):
	reporter = session.config.pluginmanager.get_plugin("terminalreporter")
	ran, _ = site_test_counts(reporter.stats if reporter else {})
	if ci_failure_reason(ran) and session.exitstatus == 0:
		session.exitstatus = 1


@pytest.fixture(scope="session")
def site():
	"""A connected Frappe site with this checkout's app installed and migrated."""
	return bench_harness.connect()


@pytest.fixture(autouse=True)
def _site_isolation(request):
	"""Each site test runs in its own transaction, rolled back afterwards, as Administrator."""
	if "site" not in request.keywords or bench_harness.unavailable_reason():
		yield
		return
	request.getfixturevalue("site")
	import frappe

	from tests.harness.world import purge_orphans
	from xnet_helpdesk.permissions.scope import clear_scope_cache

	frappe.db.rollback()
	frappe.set_user("Administrator")
	clear_scope_cache()
	# Frappe caches the outgoing Email Account in frappe.local, i.e. per request or job in production;
	# here one process runs every test, and an account an earlier test created and removed must not linger
	frappe.local.outgoing_email_account = {}
	yield
	frappe.db.rollback()
	frappe.set_user("Administrator")
	# a test that committed and deleted incidents leaves their comments to a background job that no worker
	# runs here, while the freed numbers are reused: clear them now
	purge_orphans()
	frappe.db.commit()
	clear_scope_cache()
