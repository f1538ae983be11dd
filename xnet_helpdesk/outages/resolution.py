"""A resolved global problem resolves its open incidents as set-based work.

Walking each incident to Resolved with full saves cost ~150 ms an incident (three saves, their hooks, a job
per client e-mail): 5,000 clients heard of the end of an outage 25 minutes late. Here a chunk of incidents
is read in one query and each incident takes the same steps *in memory*: the controller's own validate()
for every workflow transition on the way (lifecycle rules, timestamps, SLA stop, previous status: the rules
a save obeys), the admin's Notifications decided as the outbox decides them (their conditions evaluated per
document), the workflow history (a Version per step, a "Workflow" comment per transition) and the side
effects of the saves (engineers' load, the assignment's ToDo closed, the queue retried). What they produce
is written in bulk: one UPDATE per chunk of incidents, multi-row INSERTs of the Versions, Comments,
Communications and Email Queue rows. Notifications whose features need Frappe's full send (attachments,
bell entries, a property set after the alert, another channel) go to the outbox as before. The e-mails
are Frappe's own (QueueBuilder, Communication); what is the same for all of a chunk's e-mails is done once
(reads.py, chunk_mail.py, outgoing/render.py, mime_once.py, inline_once.py, premailer_rules.py).

A chunk is one transaction: incidents, history and e-mails are committed together, so after a crash the
next run (the hourly resume, or the job queued again) takes only the incidents still open and no client is
e-mailed twice.
"""

import copy
import json
from datetime import timedelta
from email.utils import formataddr

import frappe
from frappe import _
from frappe.utils import now_datetime

from xnet_helpdesk.incident_flow import lifecycle
from xnet_helpdesk.outages import chunk_mail
from xnet_helpdesk.outgoing import inline_once, mime_once, outbox, premailer_rules
from xnet_helpdesk.outgoing.render import render_template

CHUNK = 250
# what a save of these fields would change besides them (kept in step by the controller's validate)
SKIP_FIELDS = frozenset({"name", "doctype", "creation", "owner", "idx", "docstatus"})


class Writes:
	"""Everything a chunk's resolutions produce, written in bulk at the end of the chunk."""

	def __init__(self):
		self.incidents: dict[str, dict] = {}
		self.rows: dict[str, list] = {}
		self.load_deltas: dict[str, int] = {}
		self.close_todos: dict[str, object] = {}
		self.pending: list[tuple[str, list[str]]] = []
		self.freed_engineer = False
		self.clock = None

	def merge(self, other: "Writes") -> None:
		self.incidents.update(other.incidents)
		for doctype, docs in other.rows.items():
			self.rows.setdefault(doctype, []).extend(docs)
		for name, delta in other.load_deltas.items():
			self.load_deltas[name] = self.load_deltas.get(name, 0) + delta
		self.close_todos.update(other.close_todos)
		self.pending.extend(other.pending)
		self.freed_engineer = self.freed_engineer or other.freed_engineer
		self.clock = other.clock

	def at(self):
		"""A distinct, increasing timestamp per record, as separate saves give (the timeline keeps its order)."""
		self.clock = self.clock + timedelta(microseconds=1)
		return self.clock

	def add(self, doc) -> None:
		self.rows.setdefault(doc.doctype, []).append(doc)


def resolve_chunk(names: list[str], problem, fallback_engineer: str | None) -> dict:
	"""Resolve these incidents (open, linked to the resolved problem). Returns resolved and failed names,
	and why each failed; a failed incident (a rule it breaks, e.g. no engineer to resolve it) is left
	untouched."""
	from xnet_helpdesk.assignment.decision import acting_as_system
	from xnet_helpdesk.outages.reads import conditions_compiled_once, same_reads

	premailer_rules.install()
	# the ways through the workflow to Resolved, by state, found once per chunk (an admin may change the
	# workflow between chunks)
	paths: dict[str, list] = {}
	# the e-mails rendered for the last chunk's incidents (mail_templates keeps them for the request or job)
	frappe.local.xnet_rendered_mail = {}
	result = {"resolved": [], "failed": [], "reasons": {}}
	writes = Writes()
	writes.clock = now_datetime()
	rows = frappe.get_all("Incident", filters={"name": ("in", names)}, fields=["*"], order_by="registered_on")
	clients = [row.contact_email for row in rows if row.contact_email]
	with (
		acting_as_system(),
		same_reads(),
		conditions_compiled_once(),
		chunk_mail.prepared(clients, "Incident", [row.name for row in rows]),
		mime_once.headers_parsed_once(),
		inline_once.inlined_once(),
	):
		for row in rows:
			# what one incident produces joins the chunk's writes only when all its steps passed
			own = Writes()
			own.clock = writes.clock
			try:
				walk(row, problem, fallback_engineer, own, paths)
			except frappe.ValidationError as e:
				# a rule the incident breaks (no engineer to resolve it): the problem's report says so
				frappe.clear_messages()
				result["failed"].append(row.name)
				result["reasons"][row.name] = str(e) or _("It breaks a rule of a resolution")
			except Exception:
				frappe.clear_messages()
				frappe.log_error(f"Global problem {problem.name}: could not resolve {row.name}")
				result["failed"].append(row.name)
				result["reasons"][row.name] = _("An error, see the Error Log")
			else:
				writes.merge(own)
				result["resolved"].append(row.name)
		write(writes)
	return result


def walk(row, problem, fallback_engineer: str | None, writes: Writes, paths: dict[str, list]) -> None:
	"""The saves a resolution by hand makes (global_problem._resolve_one), in memory."""
	from xnet_helpdesk.outages.fanout import transitions_to_resolved

	stored = frappe.get_doc({**row, "doctype": "Incident"})
	incident = frappe.get_doc({**row, "doctype": "Incident"})
	incident.engineer = incident.engineer or fallback_engineer
	if not incident.engineer:
		frappe.throw(_("Incident {0} has no engineer to resolve it").format(incident.name))
	incident.resolution_details = problem.resolution
	if incident.workflow_state not in paths:
		paths[incident.workflow_state] = transitions_to_resolved(incident.workflow_state)
	path = paths[incident.workflow_state]
	before = save_in_memory(incident, stored, notify=not path, writes=writes)
	for step, transition in enumerate(path, 1):
		incident.workflow_state = transition.next_state
		before = save_in_memory(incident, before, notify=step == len(path), writes=writes)
		writes.add(workflow_comment(incident, _(transition.next_state), writes.at()))
	if stored.engineer != incident.engineer:
		# an engineer given by the resolver gets the assignment, as the save's follow_engineer does
		from xnet_helpdesk.assignment import todo_sync

		todo_sync.follow_engineer(incident, stored.engineer)
	if not client_heard(incident, writes):
		fallback_email(incident, problem, writes)
	changes = {
		f: incident.get(f)
		for f in incident.meta.get_valid_columns()
		if f not in SKIP_FIELDS and incident.get(f) != stored.get(f)
	}
	changes["resolved_by_global_problem"] = 1
	changes["modified"], changes["modified_by"] = incident.modified, incident.modified_by
	writes.incidents[incident.name] = changes


def save_in_memory(incident, before, notify: bool, writes: Writes):
	"""One save of the incident, without touching the database: the controller's validate against the
	previous state, its Version, its notifications and the side effects of its on_update. Returns the saved
	state (the next save's "before")."""
	incident._doc_before_save = before
	incident.flags.notifications = None if notify else []
	incident.flags.notifications_executed = []
	incident.validate()
	incident.modified, incident.modified_by = writes.at(), frappe.session.user
	version = frappe.new_doc("Version")
	if version.update_version_info(before, incident):
		writes.add(stamp(version, writes.at()))
	was_open, is_open = lifecycle.is_open(before.status), lifecycle.is_open(incident.status)
	for name, delta in load_deltas(before.engineer, was_open, incident.engineer, is_open).items():
		writes.load_deltas[name] = writes.load_deltas.get(name, 0) + delta
	if before.engineer and was_open and not is_open:
		writes.freed_engineer = True
	if assignment_closes(incident):
		writes.close_todos[incident.name] = writes.at()
	if notify:
		context: dict = {}  # one document state: the conditions' context serves both events
		firing = outbox.firing(incident, "on_update", context) + outbox.firing(incident, "on_change", context)
		queue_notifications(incident, firing, writes)
	return frappe.get_doc(incident.as_dict())


def load_deltas(old_engineer, old_open, new_engineer, new_open) -> dict:
	from xnet_helpdesk.assignment.nearest import load_deltas as deltas

	return deltas(old_engineer, old_open, new_engineer, new_open)


def assignment_closes(incident) -> bool:
	"""An enabled Assignment Rule's close condition holds: Frappe's apply() closes the incident's ToDos."""
	from frappe.cache_manager import get_doctype_map

	rules = get_doctype_map(
		"Assignment Rule",
		"Incident",
		filters={"document_type": "Incident", "disabled": 0},
		order_by="priority desc",
	)
	as_dict = incident.as_dict()
	for rule in rules:
		doc = frappe.get_cached_doc("Assignment Rule", rule.get("name"))
		if doc.is_rule_not_applicable_today():
			continue
		if doc.close_condition and doc.safe_eval("close_condition", as_dict):
			return True
	return False


def workflow_comment(incident, text: str, now):
	return stamp(
		frappe.get_doc(
			{
				"doctype": "Comment",
				"comment_type": "Workflow",
				"comment_email": frappe.session.user,
				"reference_doctype": "Incident",
				"reference_name": incident.name,
				"content": text,
			}
		),
		now,
	)


def stamp(doc, now):
	"""What insert() gives a new record before its validation: the doctype's defaults, a name, owner and
	timestamps."""
	doc.set("__islocal", True)
	set_defaults(doc)
	doc.set_new_name()
	doc.owner = doc.modified_by = frappe.session.user
	doc.creation = doc.modified = now
	return doc


def set_defaults(doc) -> None:
	"""Document._set_defaults (a Communication's date is "Now", a Comment is unpublished...), from the
	new-record template Frappe keeps per doctype, without the deep copy of it that frappe.new_doc makes for
	every record (its values are plain; a list or dict among them is still copied)."""
	if frappe.flags.in_import:
		return
	doc.update_if_missing(defaults(doc.doctype))
	for df in doc.meta.get_table_fields():
		rows = [row for row in doc.get(df.fieldname) or [] if row.is_new()]
		if rows:
			template = defaults(df.options, doc, df.fieldname)
			for row in rows:
				row.update_if_missing(template)


def defaults(doctype: str, parent_doc=None, parentfield: str | None = None) -> dict:
	from frappe.model.create_new import set_dynamic_default_values

	templates = frappe.local.new_doc_templates
	if doctype not in templates:
		frappe.new_doc(doctype, as_dict=True)  # makes the template and keeps it
	values = {
		key: copy.deepcopy(value) if isinstance(value, list | dict) else value
		for key, value in templates[doctype].items()
	}
	set_dynamic_default_values(values, parent_doc, parentfield)  # "Now", defaults from another field
	return values


# --- e-mails ------------------------------------------------------------------------------------------------


def renders_here(notification) -> bool:
	"""What Notification.send does for this one is an e-mail and its timeline entry, nothing more."""
	return (
		notification.channel == "Email"
		and not notification.is_standard
		and not notification.attach_print
		and not notification.send_system_notification
		and not notification.set_property_after_alert
	)


def queue_notifications(incident, names: list[str], writes: Writes) -> None:
	from xnet_helpdesk.language import speaking
	from xnet_helpdesk.overrides.notification import language_for

	elsewhere = []
	for name in names:
		notification = frappe.get_cached_doc("Notification", name)
		if not renders_here(notification):
			elsewhere.append(name)
			continue
		# built on the side: an e-mail that cannot be built here (no outgoing account, a template error) goes
		# through the outbox instead, as a hand resolution's does, where Frappe's Notification.send logs it
		trial, comments = Writes(), incident.get("_comments")
		trial.clock = writes.clock
		try:
			with speaking(language_for(notification, incident)):
				email_from_notification(notification, incident, trial)
		except Exception:
			incident.set("_comments", comments)
			elsewhere.append(name)
			continue
		writes.merge(trial)
	if elsewhere:
		writes.pending.append((incident.name, elsewhere))


def email_from_notification(notification, doc, writes: Writes) -> None:
	"""Notification.send_an_email, its Communication and Email Queue rows collected for a bulk insert."""
	context = {"doc": doc, "alert": notification, "comments": None}
	if doc.get("_comments"):
		context["comments"] = json.loads(doc.get("_comments"))
	subject = notification.subject
	if "{" in subject:
		subject = render_template(notification.subject, context)
	recipients, cc, bcc = notification.get_list_of_recipients(doc, context)
	if not (recipients or cc or bcc):
		return
	message = render_template(notification.message, context)
	sender = None
	if notification.sender and notification.sender_email:
		sender = formataddr((notification.sender, notification.sender_email))
	queue_email(doc, subject, message, recipients, cc, bcc, sender, writes)


def queue_email(doc, subject, message, recipients, cc, bcc, sender, writes: Writes) -> None:
	from frappe.core.doctype.communication.email import get_formatted_email
	from frappe.email.email_body import get_message_id
	from frappe.utils import get_string_between

	communication = frappe.get_doc(
		{
			"doctype": "Communication",
			"subject": subject,
			"content": message,
			"sender": sender or get_formatted_email(frappe.session.user),
			"recipients": ", ".join(recipients) if recipients else None,
			"cc": ", ".join(cc) if cc else None,
			"bcc": ", ".join(bcc) if bcc else None,
			"communication_medium": "Email",
			"sent_or_received": "Sent",
			"reference_doctype": doc.doctype,
			"reference_name": doc.name,
			"reference_owner": doc.owner,
			"message_id": get_string_between("<", get_message_id(), ">"),
			"has_attachment": 0,
			"communication_type": "Automated Message",
		}
	)
	communication.flags.skip_add_signature = True
	stamp(communication, writes.at())  # as insert(): defaults and name before validate()
	communication.run_method("validate")
	communication._validate()  # and then the checks of every insert: the content's HTML sanitised, lengths
	writes.add(communication)
	note_in_comments(doc, communication)
	builder = chunk_mail.ChunkQueueBuilder(
		recipients=recipients,
		sender=sender,
		subject=subject,
		message=message,
		reference_doctype=doc.doctype,
		reference_name=doc.name,
		attachments=[],
		cc=cc,
		bcc=bcc,
		expose_recipients="header",
		communication=communication.name,
		print_letterhead=False,
	)
	final = builder.final_recipients()
	if not (final + builder.final_cc()):
		return
	data = builder.as_dict(include_recipients=False)
	if not data:
		return
	queue = frappe.new_doc("Email Queue")
	queue.update(data)
	queue.set_recipients(list(set(final + builder.final_cc() + builder.bcc)))
	writes.add(stamp(queue, writes.at()))


def note_in_comments(doc, communication) -> None:
	"""What Communication.on_update does (Frappe's update_comment_in_doc): the incident's `_comments` (the
	list view's comment count) gets the e-mail, in memory; the incident's bulk UPDATE writes it."""
	content = communication.content or ""
	comments = json.loads(doc.get("_comments") or "[]")
	comments.append(
		{
			"comment": (content[:97] + "...") if len(content) > 100 else content,
			"by": communication.sender or communication.owner,
			"name": communication.name,
		}
	)
	doc._comments = json.dumps(comments[-100:])


def client_heard(incident, writes: Writes) -> bool:
	"""The client gets an e-mail from this resolution: queued here, or decided for the outbox."""
	client = (incident.contact_email or "").lower()
	if not client or incident.get("no_reply_possible"):  # a machine's address is never e-mailed
		return True
	for queue in writes.rows.get("Email Queue", []):
		if queue.reference_name == incident.name and any(
			r.recipient.lower() == client for r in queue.recipients
		):
			return True
	for name, notifications in writes.pending:
		if name == incident.name and any(
			row.receiver_by_document_field == "contact_email"
			for n in notifications
			for row in frappe.get_cached_doc("Notification", n).recipients
		):
			return True
	return False


def fallback_email(incident, problem, writes: Writes) -> None:
	"""No Notification told the client (an admin turned it off): the problem's own short e-mail."""
	from xnet_helpdesk.outages.fanout import resolved_mail

	subject, message = resolved_mail(incident.name, problem)
	queue_email(incident, subject, message, [incident.contact_email], [], [], None, writes)


# --- the bulk writes ----------------------------------------------------------------------------------------


def write(writes: Writes) -> None:
	from xnet_helpdesk.assignment import jobs

	if writes.incidents:
		frappe.db.bulk_update("Incident", writes.incidents, update_modified=False)
	close_assignments(writes.close_todos)
	for doctype, docs in writes.rows.items():
		bulk_insert(doctype, docs)
	for name, notifications in writes.pending:
		outbox.record_names("Incident", name, notifications)
	support = frappe.qb.DocType("Support Engineer")
	for name, delta in writes.load_deltas.items():
		frappe.qb.update(support).set(support.open_load, support.open_load + delta).where(
			support.name == name
		).run()
	if writes.freed_engineer:
		jobs.enqueue_retry()
	if writes.rows.get("Email Queue"):
		from xnet_helpdesk.outgoing import prompt

		prompt.send_soon(writes.rows["Email Queue"][0])


def bulk_insert(doctype: str, docs: list) -> None:
	"""Multi-row INSERTs of whole documents and their child rows (already named and stamped)."""
	children: dict[str, list] = {}
	for doc in docs:
		for child in doc.get_all_children():
			child.parent, child.parenttype = doc.name, doc.doctype
			stamp(child, doc.creation)
			children.setdefault(child.doctype, []).append(child)
	for dt, records in ((doctype, docs), *children.items()):
		values = [record.get_valid_dict(convert_dates_to_str=True, ignore_virtual=True) for record in records]
		fields = list(values[0])
		insert_rows(dt, fields, [[v.get(f) for f in fields] for v in values])


INSERT_ROWS = 500  # rows per statement (a chunk's e-mails are ~10 KB each)


def insert_rows(doctype: str, fields: list[str], rows: list[list]) -> None:
	"""frappe.db.bulk_insert's statement, written directly: pypika builds a term per value, a third of the
	cost of writing a chunk. The columns are the doctype's own (from its meta); the values go as parameters."""
	columns = ", ".join(f"`{field}`" for field in fields)
	placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
	for start in range(0, len(rows), INSERT_ROWS):
		batch = rows[start : start + INSERT_ROWS]
		query = f"insert into `tab{doctype}` ({columns}) values " + ", ".join([placeholders] * len(batch))
		frappe.db.sql(query, [value for row in batch for value in row])  # noqa: XNL001 columns from the meta


def close_assignments(closing: dict) -> None:
	"""Frappe's assignment rule closes the resolved incidents' ToDos (each save writing an "Assignment
	Completed" comment and clearing the incident's Assigned To): the same, for the whole chunk at once."""
	if not closing:
		return
	from frappe.utils import get_fullname

	names = list(closing)

	todo = frappe.qb.DocType("ToDo")
	open_todos = (
		frappe.qb.from_(todo)
		.select(todo.name, todo.reference_name, todo.allocated_to)
		.where(todo.reference_type == "Incident")
		.where(todo.reference_name.isin(names))
		.where(todo.status != "Closed")
		.run(as_dict=True)
	)
	if not open_todos:
		return
	frappe.db.bulk_update(
		"ToDo",
		{
			row.name: {
				"status": "Closed",
				"modified": closing[row.reference_name],
				"modified_by": frappe.session.user,
			}
			for row in open_todos
		},
		update_modified=False,
	)
	comments = []
	for row in open_todos:
		if row.allocated_to == frappe.session.user:
			text = _("{0} removed their assignment.").format(get_fullname(frappe.session.user))
		else:
			text = _("Assignment of {0} removed by {1}").format(
				get_fullname(row.allocated_to), get_fullname(frappe.session.user)
			)
		comments.append(
			stamp(
				frappe.get_doc(
					{
						"doctype": "Comment",
						"comment_type": "Assignment Completed",
						"comment_email": frappe.session.user,
						"reference_doctype": "Incident",
						"reference_name": row.reference_name,
						"content": text,
					}
				),
				closing[row.reference_name],
			)
		)
	bulk_insert("Comment", comments)
	still_assigned = set(
		frappe.get_all(
			"ToDo",
			filters={
				"reference_type": "Incident",
				"reference_name": ("in", names),
				"status": ("not in", ("Cancelled", "Closed")),
				"allocated_to": ("is", "set"),
			},
			pluck="reference_name",
		)
	)
	cleared = {row.reference_name for row in open_todos} - still_assigned
	if cleared:
		incident = frappe.qb.DocType("Incident")
		frappe.qb.update(incident).set(incident._assign, "").where(incident.name.isin(list(cleared))).run()
