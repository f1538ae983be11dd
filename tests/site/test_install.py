"""Install on a fresh site, migrate twice (the second is a no-op), uninstall cleanly.

Uses its own throw-away site, so it runs real `bench new-site / install-app / migrate / uninstall-app`.
"""

import json

import pytest

from tests.harness import bench

SITE = "xnet-install.localhost"
APP_DOCTYPES = [
	"Incident",
	"Service Center",
	"Client Company",
	"Support Engineer",
	"Engineer Rating",
	"Global Problem",
	"Helpdesk Settings",
	"Incident Category",
]


def execute(method: str, **kwargs):
	out = bench.run_frappe("--site", SITE, "execute", method, "--kwargs", json.dumps(kwargs))
	lines = [line for line in out.strip().splitlines() if line.strip()]
	return json.loads(lines[-1]) if lines else None


def names(doctype, **filters):
	return sorted(
		row["name"]
		for row in execute("frappe.client.get_list", doctype=doctype, filters=filters, limit_page_length=0)
		or []
	)


def newest(doctype, **filters):
	rows = execute(
		"frappe.client.get_list",
		doctype=doctype,
		filters=filters,
		fields=["max(modified) as m", "count(name) as n"],
	)
	return rows[0]


@pytest.fixture(scope="module")
def fresh_site(site):
	bench.link_checkout()
	user, password = bench.db_root_credentials()
	drop = (
		"drop-site",
		SITE,
		"--db-root-username",
		user,
		"--db-root-password",
		password,
		"--force",
		"--no-backup",
	)
	if bench.site_config_path(SITE).exists():
		bench.run_frappe(*drop)
	bench.run_frappe(
		"new-site",
		SITE,
		"--db-root-username",
		user,
		"--db-root-password",
		password,
		"--admin-password",
		"admin",
	)
	bench.update_site_config(SITE, bench.AWAY_FROM_RUNNING_BENCH)
	yield SITE
	bench.run_frappe(*drop)


def test_install_migrate_uninstall(fresh_site):
	bench.run_frappe("--site", SITE, "install-app", "xnet_helpdesk")
	assert "xnet_helpdesk" in bench.run_frappe("--site", SITE, "list-apps")
	assert set(APP_DOCTYPES) <= set(names("DocType", module="XNet Helpdesk"))
	assert names("Workflow", document_type="Incident") == ["Incident Workflow"]
	roles = names("Role", name=["like", "%Helpdesk%"]) + names("Role", name="Service Center Manager")
	assert {"Helpdesk Operator", "Helpdesk Engineer", "Helpdesk Manager", "Helpdesk Client"} <= set(roles)
	assert "Contact-is_company_representative" in names("Custom Field", dt="Contact")
	assert "kk" in names("Language", name="kk")
	assert "Incident Registered: client" in names("Notification", document_type="Incident")
	assert "Incident Registered (ru)" in names("Email Template", name=["like", "Incident Registered%"])
	# the helpdesk's roles on Frappe's doctypes: Frappe's own rules copied, the roles' added
	granted = execute(
		"frappe.client.get_list",
		doctype="Custom DocPerm",
		filters={"role": ["in", ["Helpdesk Manager", "Helpdesk Operator"]]},
		fields=["parent", "role", "read", "write", "export"],
		limit_page_length=0,
	)
	assert {"Workflow", "Notification", "Assignment Rule", "Email Account", "Contact"} <= {
		row["parent"] for row in granted
	}
	assert {row["parent"] for row in granted if row["role"] == "Helpdesk Operator"} == {"Contact"}
	assert not [row for row in granted if row["export"]]
	assert names("Custom DocPerm", parent="Notification", role="System Manager")
	assert (
		"Nearest Free Engineer"
		in execute(
			"frappe.client.get_value",
			doctype="Property Setter",
			filters={"doc_type": "Assignment Rule", "field_name": "rule"},
			fieldname="value",
		)["value"]
	)

	bench.run_frappe("--site", SITE, "migrate", "--skip-search-index")
	watched = {
		"DocType": {"module": "XNet Helpdesk"},
		"Custom Field": {"dt": "Contact"},
		"Workflow": {"document_type": "Incident"},
		"Role": {},
		"Workflow State": {},
		# frappe re-saves its Installed Applications on every migrate; anything else is a change of ours
		"Version": {"ref_doctype": ["!=", "Installed Applications"]},
		"Patch Log": {},
		"Notification": {},
		"Email Template": {},
		"Property Setter": {},
		"Assignment Rule": {},
		"Custom DocPerm": {},
		"Custom Role": {},
	}
	before = {doctype: newest(doctype, **filters) for doctype, filters in watched.items()}
	bench.run_frappe("--site", SITE, "migrate", "--skip-search-index")
	after = {doctype: newest(doctype, **filters) for doctype, filters in watched.items()}
	assert after == before, "a second migrate changed records"

	bench.run_frappe("--site", SITE, "uninstall-app", "xnet_helpdesk", "--yes", "--no-backup", "--force")
	assert "xnet_helpdesk" not in bench.run_frappe("--site", SITE, "list-apps")
	assert names("DocType", module="XNet Helpdesk") == []
	assert names("Workflow", document_type="Incident") == []
	assert names("Custom Field", dt="Contact", fieldname="is_company_representative") == []
	assert names("Role", name="Helpdesk Engineer") == []
	assert names("Notification", document_type="Incident") == []
	assert names("Assignment Rule", document_type="Incident") == []
	assert names("Email Template", name=["like", "Incident %"]) == []
	# Frappe's doctypes are back on their standard rules
	assert names("Custom DocPerm", parent=["in", ["Workflow", "Notification", "Contact", "Role"]]) == []
	assert names("Custom Role", page="workflow-builder") == []
	tables = execute("frappe.db.get_tables")
	assert not [t for t in tables if t in {f"tab{d}" for d in APP_DOCTYPES}]
