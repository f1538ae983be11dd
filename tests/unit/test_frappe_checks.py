"""The lint gate's Frappe rules (scripts/frappe_checks.py): each rule finds what it describes, leaves the
accepted forms alone, honours `# noqa: XNL00N`; the app itself has no finding; and scripts/lint fails on one."""

import importlib.util
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("frappe_checks", CHECKOUT / "scripts" / "frappe_checks.py")
frappe_checks = importlib.util.module_from_spec(spec)
sys.modules["frappe_checks"] = frappe_checks  # dataclasses look their module up
spec.loader.exec_module(frappe_checks)


def codes(source: str, path: str = "xnet_helpdesk/area/module.py") -> list[str]:
	return [finding.code for finding in frappe_checks.check_source(textwrap.dedent(source), path)]


@pytest.mark.parametrize(
	"query",
	[
		'f"select name from tabIncident where status = {status}"',
		'"select name from tabIncident where status = %s" % status',
		'"select name from tabIncident where status = \'" + status + "\'"',
		'"select name from tabIncident where status = {0}".format(status)',
	],
)
def test_sql_built_by_formatting_is_found(query):
	assert codes(f"def f(status):\n\treturn frappe.db.sql({query})\n") == ["XNL001"]


def test_sql_formatted_into_a_variable_first_is_found():
	source = """
	def f(status):
		query = f"select name from tabIncident where status = '{status}'"
		return frappe.db.sql(query, as_dict=True)
	"""
	assert codes(source) == ["XNL001"]


def test_parameters_and_query_builder_are_accepted():
	source = """
	def f(status, query):
		frappe.db.sql("select name from tabIncident where status = %s", status)
		frappe.db.sql("select name from tabIncident where status = %(s)s", {"s": status})
		frappe.db.sql(query.get_sql(), [])
		frappe.db.sql(\"\"\"select 1\"\"\")
	"""
	assert codes(source) == []


def test_commit_in_a_whitelisted_function_is_found_unless_explained():
	source = """
	@frappe.whitelist()
	def save(name: str):
		frappe.db.commit()

	@frappe.whitelist(allow_guest=True)
	def rate(name: str):
		frappe.db.commit()  # the rating must stand even if the e-mail below fails

	def job():
		frappe.db.commit()
	"""
	assert codes(source) == ["XNL002"]


def test_commit_in_a_document_hook_and_in_a_page_is_found():
	hook = """
	class Incident(Document):
		def on_update(self):
			frappe.db.commit()

		def helper(self):
			frappe.db.commit()
	"""
	assert codes(hook) == ["XNL002"]
	assert codes("def get_context(context):\n\tfrappe.db.commit()\n", "xnet_helpdesk/www/support/x.py") == [
		"XNL002"
	]


@pytest.mark.parametrize(
	"call",
	[
		'frappe.throw("Choose a service center")',
		'frappe.throw(f"Email Template {event} is missing")',
		'frappe.throw("Template {0} is missing".format(event))',
		'frappe.msgprint(_("Saved"), "Done")',
		'frappe.throw(_("Saved"), frappe.ValidationError, title="Not allowed")',
	],
)
def test_untranslated_messages_are_found(call):
	assert codes(f"def f(event):\n\t{call}\n") == ["XNL003"]


def test_translated_messages_are_accepted():
	source = """
	def f(event, message):
		frappe.throw(_("Email Template {0} is missing").format(event))
		frappe.msgprint(_("Saved"), _("Done"))
		frappe.throw(message)
		frappe.throw(_("{0} of {1}") % (1, 2), title=_("Count"))
	"""
	assert codes(source) == []


@pytest.mark.parametrize(
	"text",
	['_(f"Incident {name}")', '_("Incident {0}".format(name))', '_("Incident %s" % name)', '_("a" + name)'],
)
def test_text_built_inside_the_translation_call_is_found(text):
	assert codes(f"def f(name):\n\treturn {text}\n") == ["XNL004"]


def test_translation_of_a_variable_or_literal_is_accepted():
	assert codes('def f(status):\n\treturn _(status), _("Resolved"), _("In {0}").format(status)\n') == []


def test_database_access_at_import_time_is_found():
	source = """
	DEFAULT = frappe.db.get_single_value("Helpdesk Settings", "default_priority")
	ROLES = frappe.get_all("Role")

	def later():
		return frappe.db.get_value("Incident", "x")
	"""
	assert codes(source) == ["XNL005", "XNL005"]


def test_whitelisted_arguments_without_annotations_are_found():
	source = """
	@frappe.whitelist(allow_guest=True)
	def lookup(number: str | None = None, contact=None):
		pass

	class Source(Document):
		@frappe.whitelist()
		def preview(self, limit: int = 20):
			pass

	def helper(anything):
		pass
	"""
	assert codes(source) == ["XNL006"]


def test_noqa_opts_one_line_out_of_one_rule():
	source = """
	def f(table):
		frappe.db.sql(  # noqa: XNL001 - table is a doctype name from meta
			f"select count(*) from `tab{table}`"
		)
		frappe.db.sql(  # noqa: XNL003
			f"select count(*) from `tab{table}`"
		)
	"""
	assert codes(source) == ["XNL001"]


def test_the_app_has_no_finding():
	findings = []
	for file in frappe_checks.python_files([str(CHECKOUT / "xnet_helpdesk")]):
		findings += frappe_checks.check_source(file.read_text(encoding="utf-8"), str(file))
	assert not findings, "\n".join(map(str, findings))


@pytest.mark.skipif(not shutil.which("bash"), reason="needs bash")
def test_lint_script_fails_on_a_finding(tmp_path):
	"""scripts/lint (what .ci/run calls before the tests) exits non-zero on a Frappe finding in the given files."""
	bad = tmp_path / "bad.py"
	bad.write_text('def f(name):\n\tfrappe.throw(f"No {name}")\n')
	result = subprocess.run(
		["bash", str(CHECKOUT / "scripts" / "lint"), "--frappe-only", str(bad)],
		capture_output=True,
		text=True,
		timeout=120,
	)
	assert result.returncode == 1, result.stdout + result.stderr
	assert "XNL003" in result.stdout


def test_pre_commit_runs_the_ruff_the_gate_pins():
	pinned = next(
		line.strip()
		for line in (CHECKOUT / "requirements-lint.txt").read_text().splitlines()
		if line.startswith("ruff==")
	)
	hooks = (CHECKOUT / ".pre-commit-config.yaml").read_text()
	assert hooks.count(f'"{pinned}"') == 2, f"the ruff hooks must pin {pinned}"
