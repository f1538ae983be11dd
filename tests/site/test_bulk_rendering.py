"""What makes a global problem's thousands of e-mails cheap, and changes nothing in them: reads of records a
chunk never writes made once (outages/reads.py), template strings compiled once per language
(outgoing/render.py with language.speaking) and one signed token for all links of an e-mail."""

import frappe
import pytest

from xnet_helpdesk.language import speaking
from xnet_helpdesk.outages.reads import same_reads
from xnet_helpdesk.outgoing.render import render_template


@pytest.fixture
def problem():
	doc = frappe.get_doc(
		{
			"doctype": "Global Problem",
			"title": "BULK reads",
			"status": "Active",
			"started_on": frappe.utils.now(),
		}
	).insert()
	return doc


def test_same_reads_answer_from_the_first_read_for_the_chunks_constants(problem):
	with same_reads():
		assert frappe.db.get_value("Global Problem", problem.name, "title") == "BULK reads"
		frappe.db.sql("update `tabGlobal Problem` set title = 'changed' where name = %s", problem.name)
		assert frappe.db.get_value("Global Problem", problem.name, "title") == "BULK reads"  # remembered
		# locking reads and every other doctype go to the database
		assert frappe.db.get_value("Global Problem", problem.name, "title", for_update=True) == "changed"
		assert frappe.get_all("Global Problem", filters={"name": problem.name}, pluck="title") == ["changed"]
	assert frappe.db.get_value("Global Problem", problem.name, "title") == "changed"
	assert "get_value" not in vars(frappe.db)


def test_same_reads_hand_out_copies_and_restore_frappe_on_error(problem):
	get_all = frappe.get_all
	with pytest.raises(RuntimeError), same_reads():
		first = frappe.db.get_value("Global Problem", problem.name, ["title", "status"], as_dict=True)
		first.title = "changed by the caller"
		assert frappe.db.get_value("Global Problem", problem.name, "title") == "BULK reads"
		again = frappe.db.get_value("Global Problem", problem.name, ["title", "status"], as_dict=True)
		assert again.title == "BULK reads"
		raise RuntimeError
	assert frappe.get_all is get_all and "get_value" not in vars(frappe.db)


def test_incidents_are_never_remembered(world):
	from tests.harness.world import make_incident

	incident = make_incident(world)
	with same_reads():
		assert frappe.db.get_value("Incident", incident.name, "priority") == incident.priority
		frappe.db.sql("update `tabIncident` set priority = 'Urgent' where name = %s", incident.name)
		assert frappe.db.get_value("Incident", incident.name, "priority") == "Urgent"


def test_render_template_is_frappes_rendering_compiled_once_per_language():
	source = "{{ _('Resolved') }}: {{ doc.name }} {% if lang %}({{ lang }}){% endif %}"
	context = {"doc": frappe._dict(name="INC-1"), "lang": "ru"}
	expected = {}
	for language in ("ru", "kk", "en"):
		with speaking(language):
			expected[language] = frappe.render_template(source, dict(context))
	assert expected["ru"] != expected["en"]  # translated
	environments = []
	for _round in range(2):
		for language in ("ru", "kk", "en"):
			with speaking(language):
				assert render_template(source, dict(context)) == expected[language]
				environments.append(frappe.local.jenv)
				assert source in frappe.local.jenv.xnet_compiled
	# one Jinja environment per language for the job, not a new one per switch
	assert environments[:3] == environments[3:] and len({id(e) for e in environments}) == 3


def test_render_template_refuses_what_frappe_refuses():
	with pytest.raises(frappe.ValidationError):
		render_template("{{ doc.__class__ }}", {"doc": {}})
	with pytest.raises(frappe.ValidationError):
		render_template("{% if %}", {})


def test_conditions_compiled_once_evaluate_as_before_and_refuse_as_before():
	from frappe.utils import safe_exec

	from xnet_helpdesk.outages.reads import conditions_compiled_once

	calls = []
	real = safe_exec.compile_restricted

	def counting(*args, **kwargs):
		calls.append(args[0])
		return real(*args, **kwargs)

	safe_exec.compile_restricted = counting
	try:
		with conditions_compiled_once():
			for priority in ("High", "Low", "High"):
				assert frappe.safe_eval(
					"doc.priority == 'High'", None, {"doc": frappe._dict(priority=priority)}
				) == (priority == "High")
			with pytest.raises(SyntaxError):
				frappe.safe_eval("(x := 1)")  # still refused, every time
			with pytest.raises(SyntaxError):
				frappe.safe_eval("(x := 1)")
			with pytest.raises(Exception):
				frappe.safe_eval("().__class__")  # the restricted policy still applies
		assert calls.count("doc.priority == 'High'") == 1
		frappe.safe_eval("1 + 1")
		frappe.safe_eval("1 + 1")
		assert calls.count("1 + 1") == 2  # outside the block: compiled on every call, as Frappe does
	finally:
		safe_exec.compile_restricted = real
