"""Finds the Frappe bench, installs this checkout into it and connects to the test site."""

import functools
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
APP = "xnet_helpdesk"


def bench_path() -> Path:
	return Path(os.environ.get("XNET_BENCH", "/home/frappe/frappe-bench"))


def site_name() -> str:
	return os.environ.get("XNET_TEST_SITE", "xnet-test.localhost")


def bench_python() -> Path:
	return bench_path() / "env" / "bin" / "python"


@functools.cache
def unavailable_reason() -> str | None:
	bench = bench_path()
	if not (bench / "apps" / "frappe" / "frappe" / "__init__.py").exists():
		return f"no Frappe bench at {bench} (set XNET_BENCH to use another)"
	try:
		import frappe
	except ImportError:
		return f"frappe is not importable: run the tests with the bench's python ({bench_python()} -m pytest)"
	return None


def run_frappe(*args: str, timeout: int = 900) -> str:
	"""`bench <args>` without the bench CLI (which refuses root): frappe's own command entry point."""
	result = subprocess.run(
		[str(bench_python()), "-m", "frappe.utils.bench_helper", "frappe", *args],
		cwd=bench_path() / "sites",
		capture_output=True,
		text=True,
		timeout=timeout,
	)
	if result.returncode != 0:
		raise RuntimeError(
			f"bench {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
		)
	return result.stdout


def link_checkout() -> None:
	"""apps/xnet_helpdesk must be this checkout, importable from the bench's python."""
	target = bench_path() / "apps" / APP
	if target.is_symlink() or not target.exists():
		if not (target.is_symlink() and target.resolve() == CHECKOUT):
			if target.is_symlink():
				target.unlink()
			target.symlink_to(CHECKOUT, target_is_directory=True)
	elif target.resolve() != CHECKOUT:
		raise RuntimeError(
			f"{target} is a directory of its own, not this checkout ({CHECKOUT}); move it away to test the checkout"
		)
	probe = subprocess.run(
		[str(bench_python()), "-c", "import xnet_helpdesk, ldap3; print(xnet_helpdesk.__file__)"],
		capture_output=True,
		text=True,
		cwd="/",
	)
	if probe.returncode != 0 or not Path(probe.stdout.strip()).resolve().is_relative_to(CHECKOUT):
		install_editable(target)
	# public assets through the apps/ symlink too, so they follow the linked checkout
	assets, public = bench_path() / "sites" / "assets" / APP, target / APP / "public"
	if assets.parent.is_dir() and not (assets.is_symlink() and os.readlink(assets) == str(public)):
		if assets.is_symlink():
			assets.unlink()
		if not assets.exists():
			assets.symlink_to(public, target_is_directory=True)
	apps_txt = bench_path() / "sites" / "apps.txt"
	apps = apps_txt.read_text().split()
	if APP not in apps:
		apps_txt.write_text("\n".join([*apps, APP]) + "\n")


def install_editable(target: Path) -> None:
	"""pip install -e (which also brings our dependencies), then point the path entry at the symlink.

	pip records the resolved checkout path; pointing at apps/xnet_helpdesk instead means the bench
	follows the symlink to whichever checkout is linked, without reinstalling.
	"""
	subprocess.run(
		[
			str(bench_python()),
			"-m",
			"pip",
			"install",
			"--quiet",
			"--no-build-isolation",
			"--config-settings",
			"editable_mode=compat",
			"-e",
			str(target),
		],
		check=True,
	)
	site_packages = subprocess.run(
		[str(bench_python()), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
		capture_output=True,
		text=True,
		check=True,
	).stdout.strip()
	for pth in Path(site_packages).glob(f"__editable__.{APP}-*.pth"):
		pth.write_text(f"{target}\n")


def code_fingerprint() -> str:
	"""What a migrate depends on: doctype/workspace JSON, hooks, patches and the setup code, and Frappe's
	commit (scripts/build-bench records it in the bench's marker when it builds or repairs Frappe)."""
	digest = hashlib.sha256()
	marker = bench_path() / ".xnet-helpdesk-bench"
	if marker.exists():
		digest.update(marker.read_bytes())
	app_dir = CHECKOUT / APP
	for path in sorted(app_dir.rglob("*")):
		if path.suffix in (".json", ".txt", ".csv") or path.name == "hooks.py" or "setup" in path.parts:
			if path.is_file() and "__pycache__" not in path.parts:
				digest.update(path.relative_to(app_dir).as_posix().encode())
				digest.update(path.read_bytes())
	return digest.hexdigest()


def db_root_credentials() -> tuple[str, str]:
	return (
		os.environ.get("XNET_DB_ROOT_USER", "frappe_admin"),
		os.environ.get("XNET_DB_ROOT_PASSWORD", "frappe_admin"),
	)


def site_config_path(site: str) -> Path:
	return bench_path() / "sites" / site / "site_config.json"


# A developer may have `bench start` running on the same bench and Redis: its worker must not take the test
# site's jobs (the tests run them themselves, in order), nor its scheduler queue any. A bench_id of the test
# site's own puts its queues in a namespace of their own; pause_scheduler keeps the scheduler off it.
AWAY_FROM_RUNNING_BENCH = {"pause_scheduler": 1, "bench_id": "xnet-helpdesk-tests"}
TEST_SITE_CONFIG = {
	"allow_tests": True,
	"mute_emails": 1,
	**AWAY_FROM_RUNNING_BENCH,
	"xnet_test_site_ready": 1,  # written last: a site without it was left half-made and is made again
}


def read_site_config(site: str) -> dict:
	path = site_config_path(site)
	return json.loads(path.read_text()) if path.exists() else {}


def update_site_config(site: str, values: dict) -> None:
	config = read_site_config(site)
	if any(config.get(key) != value for key, value in values.items()):
		site_config_path(site).write_text(json.dumps({**config, **values}, indent=1, sort_keys=True))


# how long making, installing and migrating the test site took in this run (for the run's last lines)
SITE_SETUP_SECONDS: list[float] = []


def ensure_site(site: str) -> None:
	if not read_site_config(site).get("xnet_test_site_ready"):
		user, password = db_root_credentials()
		run_frappe(
			"new-site",
			site,
			"--force",
			"--db-root-username",
			user,
			"--db-root-password",
			password,
			"--admin-password",
			"admin",
			"--install-app",
			APP,
		)
	update_site_config(site, TEST_SITE_CONFIG)
	installed = run_frappe("--site", site, "list-apps", "--format", "json")
	if APP not in installed:
		run_frappe("--site", site, "install-app", APP)
	fingerprint = code_fingerprint()
	if read_site_config(site).get("xnet_code_fingerprint") != fingerprint:
		run_frappe("--site", site, "migrate", "--skip-search-index")
		update_site_config(site, {"xnet_code_fingerprint": fingerprint})


@functools.cache
def connect():
	started = time.monotonic()
	link_checkout()
	site = site_name()
	ensure_site(site)
	SITE_SETUP_SECONDS.append(time.monotonic() - started)
	import frappe

	# frappe writes its logs relative to the sites folder, as under `bench`
	os.chdir(bench_path() / "sites")
	frappe.init(site=site, sites_path=str(bench_path() / "sites"))
	frappe.connect()
	pin_site_settings()
	drop_queued_jobs(site)
	frappe.set_user("Administrator")
	return site


def drop_queued_jobs(site: str) -> None:
	"""Jobs (and e-mails) an earlier run left queued for the test site (no worker takes them: the tests run jobs
	themselves). Frappe skips a job whose id is queued already (deduplicate=True, one id per record), so a
	stale one would hide a job a test expects once a record name is used again."""
	from frappe.utils.background_jobs import get_queue, get_queue_list

	for name in get_queue_list():
		for job in get_queue(name).get_jobs():
			if (job.kwargs or {}).get("site") == site:
				job.delete()
	# and e-mails an earlier run committed and left unsent (the site is muted, or their account went away):
	# Frappe's flush, which a test calls, gives up on a batch with too many failures
	import frappe

	left = frappe.get_all("Email Queue", filters={"status": ("in", ["Not Sent", "Sending"])}, pluck="name")
	if left:
		frappe.db.delete("Email Queue Recipient", {"parent": ("in", left)})
		frappe.db.delete("Email Queue", {"name": ("in", left)})
		frappe.db.commit()


# every run starts from the same site settings, whatever a test (the demo) changed before
TEST_SITE_SETTINGS = {
	"language": "en",
	"time_zone": "Asia/Almaty",
	"country": "Kazakhstan",
	"setup_complete": 1,
}


def pin_site_settings() -> None:
	import frappe

	current = frappe.db.get_value("System Settings", None, list(TEST_SITE_SETTINGS), as_dict=True)
	changed = {k: v for k, v in TEST_SITE_SETTINGS.items() if str(current.get(k)) != str(v)}
	if changed:
		for key, value in changed.items():
			frappe.db.set_single_value("System Settings", key, value)
		frappe.db.commit()
		frappe.clear_cache()
	frappe.local.lang = TEST_SITE_SETTINGS["language"]
	# the outage detector off: tests register incidents by the dozen in seconds, which would be one burst
	# after another; its own tests (test_outage_detector.py) set their thresholds
	if frappe.db.get_single_value("Helpdesk Settings", "burst_count"):
		frappe.db.set_single_value("Helpdesk Settings", "burst_count", 0)
		frappe.db.commit()
		frappe.clear_document_cache("Helpdesk Settings", "Helpdesk Settings")
