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


# --- outages/chunk_mail.py: a chunk's addresses looked up once ---------------------------------------------


def timeline_of(recipient: str, sender: str, account: str | None = None) -> list[tuple[str, str]]:
	communication = frappe.get_doc(
		{
			"doctype": "Communication",
			"subject": "chunk",
			"content": "<p>chunk</p>",
			"sender": sender,
			"recipients": recipient,
			"communication_medium": "Email",
			"sent_or_received": "Sent",
			"communication_type": "Automated Message",
			"email_account": account,
		}
	)
	communication.set_timeline_links()
	return [(link.link_doctype, link.link_name) for link in communication.timeline_links]


def new_contact(email: str) -> str:
	contact = frappe.get_doc({"doctype": "Contact", "first_name": "Chunk"})
	contact.add_email(email, is_primary=True)
	return contact.insert(ignore_permissions=True).name


def test_a_chunk_links_the_same_contacts_as_frappe_with_one_query_for_all(monkeypatch):
	from frappe.contacts.doctype.contact import contact as contact_module

	from xnet_helpdesk.outages import chunk_mail

	known = new_contact("Chunk.Known@client.test")
	sender = "support@chunk.test"
	addresses = ["chunk.known@client.test", "chunk.unknown@client.test", "chunk.extra@client.test"]
	expected = [timeline_of(address, sender) for address in addresses]
	assert ("Contact", known) in expected[0]
	asked = []
	real = contact_module.get_contact_name
	monkeypatch.setattr(
		"frappe.core.doctype.communication.communication.get_contact_name",
		lambda email: asked.append(email) or real(email),
	)
	with chunk_mail.prepared(addresses[:2], "Incident", ["INC-X"]):
		for _ in range(3):
			assert [timeline_of(address, sender) for address in addresses] == expected
	# the chunk's own clients never, the sender and the address it did not expect once each
	assert sorted(asked) == sorted([sender, "chunk.extra@client.test"])


def test_a_contact_frappe_creates_in_a_chunk_is_found_next_time():
	"""An account that makes contacts of unknown addresses: the chunk's "no contact" is forgotten then."""
	from xnet_helpdesk.outages import chunk_mail

	account = frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": "CHUNK creates contacts",
			"email_id": "chunk.account@chunk.test",
			"create_contact": 1,
			"enable_incoming": 0,
			"enable_outgoing": 0,
		}
	).insert(ignore_permissions=True)
	with chunk_mail.prepared(["chunk.new@client.test"], "Incident", ["INC-X"]):
		assert timeline_of("chunk.new@client.test", "support@chunk.test") == []
		first = timeline_of("chunk.new@client.test", "support@chunk.test", account.name)
		assert first and first[0][0] == "Contact"
		assert timeline_of("chunk.new@client.test", "support@chunk.test") == first


def test_a_chunk_knows_who_unsubscribed_as_frappe_does():
	from frappe.email.doctype.email_queue.email_queue import QueueBuilder

	from xnet_helpdesk.outages import chunk_mail

	this, other = (
		frappe.get_doc({"doctype": "ToDo", "description": "chunk"}).insert().name for _ in range(2)
	)
	for email, reference, everywhere in (
		("chunk.left.this@client.test", this, 0),
		("chunk.left.other@client.test", other, 0),
		("Chunk.Left.All@client.test", None, 1),
	):
		frappe.get_doc(
			{
				"doctype": "Email Unsubscribe",
				"email": email,
				"reference_doctype": "ToDo" if reference else None,
				"reference_name": reference,
				"global_unsubscribe": everywhere,
			}
		).insert(ignore_permissions=True)
	clients = [
		"chunk.left.this@client.test",
		"chunk.left.other@client.test",
		"chunk.left.all@client.test",
		"chunk.stayed@client.test",
	]

	def unsubscribed(builder_class, recipients):
		builder = builder_class(recipients=recipients, reference_doctype="ToDo", reference_name=this)
		return sorted(builder.get_unsubscribed_user_emails())

	cases = [[c] for c in clients] + [clients, ["chunk.not.in.chunk@client.test", clients[0]]]
	expected = [unsubscribed(QueueBuilder, case) for case in cases]
	assert expected[0] == ["chunk.left.this@client.test"] and expected[1] == []
	assert expected[2] == ["Chunk.Left.All@client.test"]
	with chunk_mail.prepared(clients, "ToDo", [this, other]) as chunk:
		# another doctype or record than the chunk's: asked of Frappe
		assert chunk.unsubscribed_from(clients[:1], "Incident", this) is None
		assert chunk.unsubscribed_from(clients[:1], "ToDo", "not-in-chunk") is None
		queries = frappe.db.sql("show session status like 'Questions'")[0][1]
		got = [unsubscribed(chunk_mail.ChunkQueueBuilder, case) for case in cases[:-1]]
		assert frappe.db.sql("show session status like 'Questions'")[0][1] == str(int(queries) + 1)
		got.append(unsubscribed(chunk_mail.ChunkQueueBuilder, cases[-1]))  # an address it did not read
	assert got == expected


def test_a_chunks_emails_get_the_css_premailer_gives_each(world):
	"""outgoing/inline_once.py with Frappe's own e-mail pipeline and CSS and our Resolved e-mail: every
	incident's HTML is what Premailer gives it, and Premailer ran only for the first two."""
	from frappe.email.email_body import get_formatted_html

	from tests.harness.world import make_incident
	from xnet_helpdesk.outgoing.inline_once import inlined_once
	from xnet_helpdesk.outgoing.mail_templates import xnet_mail_body

	incidents = [
		make_incident(world, "karmet_client2", subject=f"Не печатает принтер {n} «{n * 'ы'}» & <b>")
		for n in range(5)
	]
	messages = [(doc.name, xnet_mail_body(doc, "Incident Resolved")) for doc in incidents]
	expected = [get_formatted_html(subject, message) for subject, message in messages]
	with inlined_once() as inliner:
		assert [get_formatted_html(subject, message) for subject, message in messages] == expected
	assert inliner.stats == {"premailer": 2, "replayed": 3}
