"""What a verified client can do from the portal: write to the engineer, reopen, confirm (close) and rate.

The caller has resolved access (login or signed link) already; these functions re-check the incident's
state on the server, so nothing depends on what the page showed.
"""

from contextlib import contextmanager

import frappe
from frappe import _
from frappe.model.workflow import apply_workflow, get_workflow_name
from frappe.utils import cint, now_datetime

from xnet_helpdesk.incident_flow import lifecycle
from xnet_helpdesk.incident_flow.workflow_map import status_for_state
from xnet_helpdesk.intake.text import clean_text, text_to_html
from xnet_helpdesk.portal import rules
from xnet_helpdesk.portal.access import Access

MAX_TEXT = 2000
SOURCES = {"login": "Portal", "token": "Portal", "email": "E-mail Link"}


@contextmanager
def as_system():
	"""Run a step as Administrator and come back to the request's own session untouched.

	frappe.set_user() rewrites the session object in place (sid, data with the CSRF token), so the
	request's session object is swapped out for a copy and put back afterwards.
	"""
	session, form_dict = frappe.local.session, frappe.local.form_dict
	frappe.local.session = frappe._dict(session)
	frappe.set_user("Administrator")
	try:
		yield
	finally:
		frappe.local.session, frappe.local.form_dict = session, form_dict
		frappe.local.role_permissions = {}
		frappe.local.user_perms = None
		frappe.local.cache = {}


def _transition_to(doc, status: str):
	"""Apply the workflow transition from the incident's state to one that means `status`."""
	workflow = frappe.get_cached_doc("Workflow", get_workflow_name("Incident"))
	action = next(
		(
			row.action
			for row in workflow.transitions
			if row.state == doc.workflow_state and status_for_state(row.next_state) == status
		),
		None,
	)
	if not action:
		frappe.throw(_("This incident cannot be changed from the portal now."))
	# the client was verified by login scope or signed link just before, and the incident's state is checked
	# here; the workflow's staff roles are borrowed only for this one transition
	with as_system():
		return apply_workflow(doc.as_dict(), action)


def _incident(access: Access):
	return frappe.get_doc("Incident", access.incident)


def _note(doc, text: str):
	doc.add_comment("Info", text)


def can_write(status: str) -> bool:
	"""A client writes to an incident that is being worked on; a resolved one is reopened or confirmed
	instead, and a finished one stays finished (a new problem is a new incident)."""
	return lifecycle.is_open(status)


def write(access: Access, text: str) -> str:
	"""The client's message, kept as a received Communication exactly like an e-mail reply: it is on the
	incident's timeline (the engineer answers it from the Desk), Frappe forwards it to the incident's
	owner and assignees, and an incident that waited for the client goes back to work."""
	from xnet_helpdesk.incident_flow.transitions import move_to

	text = clean_text(text, MAX_TEXT)
	if not text:
		frappe.throw(_("Please write your message."), frappe.ValidationError)
	doc = _incident(access)
	if not can_write(doc.status):
		frappe.throw(
			_("Messages can no longer be added to this incident. Please contact support."),
			frappe.ValidationError,
		)
	sender, sender_name = _writer(access, doc)
	with as_system():
		communication = frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "Email",
				"sent_or_received": "Received",
				"subject": f"{doc.name}: {doc.subject}",
				"content": text_to_html(text),
				"text_content": text,
				"sender": sender,
				"sender_full_name": sender_name,
				"reference_doctype": "Incident",
				"reference_name": doc.name,
			}
		)
		communication.insert(ignore_permissions=True)
		communication.send_email(is_inbound_mail_communcation=True)
		if doc.status == lifecycle.AWAITING_CLIENT:
			move_to(doc, lifecycle.IN_PROGRESS)
	return frappe.db.get_value("Incident", doc.name, "status")


def _writer(access: Access, doc) -> tuple[str | None, str | None]:
	"""Who wrote: the logged-in client, or for a signed link the incident's own contact."""
	if access.via == "login":
		user = frappe.db.get_value("User", frappe.session.user, ["email", "full_name"], as_dict=True)
		return user.email, user.full_name
	return doc.contact_email, doc.contact_name


def reopen(access: Access, reason: str) -> str:
	reason = clean_text(reason, MAX_TEXT)
	if not reason:
		frappe.throw(_("Please tell us why the problem is not solved."), frappe.ValidationError)
	doc = _incident(access)
	window = cint(frappe.db.get_single_value("Helpdesk Settings", "reopen_window_days"))
	if doc.status != lifecycle.RESOLVED or not rules.within_reopen_window(
		doc.resolved_on and frappe.utils.get_datetime(doc.resolved_on), now_datetime(), window
	):
		frappe.throw(_("This incident can no longer be reopened. Please contact support."))
	doc.reopen_reason = reason
	with as_system():
		doc.save()
	_transition_to(doc.reload(), lifecycle.REOPENED)
	_note(doc, _("Reopened by the client on the portal"))
	return frappe.db.get_value("Incident", doc.name, "status")


def confirm(access: Access) -> str:
	doc = _incident(access)
	if doc.status != lifecycle.RESOLVED:
		frappe.throw(_("Only a resolved incident can be confirmed."))
	_transition_to(doc, lifecycle.CLOSED)
	_note(doc, _("The client confirmed the resolution on the portal"))
	return frappe.db.get_value("Incident", doc.name, "status")


def rate(access: Access, stars, comment=None, source: str | None = None) -> dict:
	"""Store the client's rating before answering: an acknowledged rating is in the database.

	(It used to wait in Redis for a background job: a Redis restart in between lost it.) The incident's
	row is locked first, so two quick submissions, or a rating and a confirmation, take turns; the
	Engineer Rating controller's rules decide (one per incident, not after Closed)."""
	stars = cint(stars) if str(stars or "").strip().isdigit() else 0
	if not 1 <= stars <= 5:
		frappe.throw(_("A rating is 1 to 5 stars"), title=_("Rating"))
	comment = clean_text(comment, MAX_TEXT) or None
	status = frappe.db.get_value("Incident", access.incident, "status", for_update=True)
	if status != lifecycle.RESOLVED:
		frappe.throw(_("The incident is closed: its rating can no longer be changed"))
	with as_system():
		save_rating(access.incident, stars, comment, SOURCES.get(source or access.via, "Portal"))
	return {"stars": stars, "comment": comment}


# Before ratings were stored in the request, they waited in this Redis hash for a job; a site upgraded
# with some still waiting stores them once (patches/store_waiting_portal_ratings.py).
LEGACY_PENDING_KEY = "xnet_portal_pending_rating"


def save_rating(incident: str, stars: int, comment: str | None, source: str):
	if frappe.db.exists("Engineer Rating", incident):
		rating = frappe.get_doc("Engineer Rating", incident)
		if rating.stars == stars and (rating.comment or None) == comment:
			return rating
		rating.stars, rating.comment = stars, comment
	else:
		rating = frappe.new_doc("Engineer Rating")
		rating.update({"incident": incident, "stars": stars, "comment": comment, "source": source})
	# the client holds no write permission on ratings: the verified client's own rating is stored for them
	rating.flags.ignore_permissions = True
	rating.save()
	return rating
