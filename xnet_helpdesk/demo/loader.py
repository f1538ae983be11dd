"""Loads the demo described in data.py through the app's real code paths.

Idempotent: every record is looked up by its stable key (name, e-mail address, incident subject) and only
created when missing; nothing that exists is changed, so a second run creates nothing and touches no
`modified` timestamp. Incidents are inserted and moved through the Incident Workflow with
frappe.model.workflow.apply_workflow, as the desk does; afterwards their timestamps (and the versions
and workflow comments of their timeline) are moved into the past so the desk shows a month of history.

Run it with `bench --site SITE xnet-helpdesk-demo`, or `bench --site SITE execute
xnet_helpdesk.demo.loader.load_demo`. It commits: it is a command-line loader, not request code.
"""

from collections import Counter
from datetime import datetime, time, timedelta

import frappe
from frappe.contacts.doctype.contact.contact import get_contact_name
from frappe.model.workflow import apply_workflow
from frappe.utils import cint, escape_html, getdate, now_datetime

from xnet_helpdesk.consts import CLIENT, MANAGER
from xnet_helpdesk.demo import data
from xnet_helpdesk.demo.timeline import WorkingCalendar
from xnet_helpdesk.incident_flow.contact_details import normalize_phone
from xnet_helpdesk.incident_flow.lifecycle import STATUS_TIMESTAMP, STATUSES
from xnet_helpdesk.outages.detector import REPLAYING_HISTORY

# working hours between one workflow action and the previous step, unless an incident says otherwise
DEFAULT_GAPS = {
	"Assign": 0.25,
	"Take into Work": 0.5,
	"Request Client Info": 1,
	"Resume Work": 3,
	"Resolve": 2.5,
	"Reopen": 6,
	"Close": 27,  # three working days quiet: closed
	"Cancel Incident": 1,
}
# who takes each action on the desk (the loader runs as Administrator; the timeline names the person)
ACTOR_ROLE = {
	"Assign": "operator",
	"Take into Work": "engineer",
	"Request Client Info": "engineer",
	"Resume Work": "engineer",
	"Resolve": "engineer",
	"Reopen": "operator",
	"Close": "operator",
	"Cancel Incident": "operator",
}
NEEDS_ENGINEER = ("Assign", "Take into Work")
TIMESTAMP_FIELDS = tuple(field for field, _keep_first in STATUS_TIMESTAMP.values())
# what the summary and the tests count as "the demo", per doctype
SUMMARY_DOCTYPES = (
	"Service Center",
	"Client Company",
	"Incident Category",
	"User",
	"Support Engineer",
	"Contact",
	"Global Problem",
	"Incident",
	"Engineer Rating",
)


def load_demo() -> dict:
	"""Create whatever of the demo is missing, commit, and return a summary (see format_summary)."""
	previous_user = frappe.session.user
	frappe.set_user("Administrator")
	loader = DemoLoader()
	try:
		loader.run()
		frappe.db.commit()
	except Exception:
		frappe.db.rollback()
		raise
	finally:
		frappe.set_user(previous_user)
	return loader.summary()


def staff_email(login: str) -> str:
	return f"{login}@{data.STAFF_DOMAIN}"


def demo_record_names() -> dict[str, list[str]]:
	"""The names of the demo's records that exist on the site, per doctype."""
	keys = {(spec["subject"], incident_email(spec)) for spec in data.INCIDENTS}
	incidents = [
		row.name
		for row in frappe.get_all(
			"Incident",
			filters={"subject": ("in", [subject for subject, _email in keys])},
			fields=["name", "subject", "contact_email"],
		)
		if (row.subject, row.contact_email) in keys
	]
	contact_emails = [c["email"] for c in data.CONTACTS]
	users = [staff_email(login) for login in data.STAFF] + [
		c["email"] for c in data.CONTACTS if c.get("portal")
	]
	return {
		"Service Center": _existing("Service Center", [c["center_name"] for c in data.SERVICE_CENTERS]),
		"Client Company": _existing("Client Company", [c["company_name"] for c in data.CLIENT_COMPANIES]),
		"Incident Category": _existing("Incident Category", [name for name, _description in data.CATEGORIES]),
		"User": _existing("User", users),
		"Support Engineer": _existing(
			"Support Engineer", [staff_email(k) for k, v in data.STAFF.items() if "engineer" in v]
		),
		"Contact": sorted(
			set(
				frappe.get_all(
					"Contact Email",
					filters={"email_id": ("in", contact_emails), "parenttype": "Contact"},
					pluck="parent",
				)
			)
		),
		"Global Problem": frappe.get_all(
			"Global Problem",
			filters={"title": ("in", [p["title"] for p in data.GLOBAL_PROBLEMS])},
			pluck="name",
		),
		"Incident": incidents,
		"Engineer Rating": frappe.get_all(
			"Engineer Rating", filters={"incident": ("in", incidents or [""])}, pluck="name"
		),
	}


def incident_email(spec: dict) -> str:
	"""With the subject, what identifies a demo incident: the e-mail address of whoever reported it."""
	return spec["contact"] if spec.get("contact") else spec["caller"]["contact_email"]


def _existing(doctype: str, names: list[str]) -> list[str]:
	return frappe.get_all(doctype, filters={"name": ("in", names)}, pluck="name")


def _html(text: str | None) -> str | None:
	return f"<p>{escape_html(text)}</p>" if text else None


class DemoLoader:
	def __init__(self):
		self.created = Counter()
		self.notes = []
		self.calendar = WorkingCalendar(getdate(day) for day, _description in data.HOLIDAYS)
		self.now = self.anchor = None
		self.problems_to_resolve = []

	def run(self):
		self.ensure_site_settings()
		# after the setup wizard, which may have set the system time zone
		self.now = now_datetime().replace(microsecond=0)
		# the demo's "now": its history happens in office hours, whenever it is loaded
		self.anchor = self.calendar.last_working_moment(self.now - timedelta(minutes=2))
		self.ensure_categories()
		self.ensure_staff_users()
		self.ensure_service_centers()
		self.ensure_default_service_center()
		self.ensure_engineers()
		self.ensure_client_companies()
		self.ensure_contacts()
		self.ensure_global_problems()
		# a history replayed in seconds is no burst: the outage detector stays out of it
		frappe.flags[REPLAYING_HISTORY] = True
		try:
			for index, spec in enumerate(data.INCIDENTS):
				self.ensure_incident(index, spec)
		finally:
			frappe.flags[REPLAYING_HISTORY] = False
		self.resolve_global_problems()
		self.enable_assignment_rule()

	# --- site -----------------------------------------------------------------------------------------

	def ensure_site_settings(self):
		"""A newcomer should meet a Russian desk in Kazakh time, not the setup wizard.

		A site whose setup wizard never ran sends every desk user to it: the demo completes it with
		Kazakhstan's settings (Frappe's own setup_complete). A set-up site gets Russian only when no
		language other than the default English was chosen.
		"""
		settings = frappe.db.get_value("System Settings", None, ["setup_complete", "language"], as_dict=True)
		language_code = data.SETUP_WIZARD["language_code"]
		if not cint(settings.setup_complete):
			from frappe.desk.page.setup_wizard.setup_wizard import setup_complete

			language_name = frappe.db.get_value("Language", language_code, "language_name")
			setup_complete(
				{
					"language": language_name,
					"lang": language_name,
					"country": data.SETUP_WIZARD["country"],
					"timezone": data.SETUP_WIZARD["timezone"],
					"currency": data.SETUP_WIZARD["currency"],
				}
			)
			self.notes.append(
				"setup wizard completed: Kazakhstan, {}, {}, {}".format(
					language_code, data.SETUP_WIZARD["timezone"], data.SETUP_WIZARD["currency"]
				)
			)
		elif (settings.language or "en") == "en":
			system_settings = frappe.get_single("System Settings")
			system_settings.language = language_code
			system_settings.save()
			self.notes.append(f"system language set to {language_code}")
		frappe.local.lang = frappe.db.get_single_value("System Settings", "language") or "en"

	def ensure_categories(self):
		for name, description in data.CATEGORIES:
			if not frappe.db.exists("Incident Category", name):
				frappe.get_doc(
					{"doctype": "Incident Category", "category_name": name, "description": description}
				).insert()
				self.created["Incident Category"] += 1

	def ensure_user(self, email: str, first_name: str, last_name: str, roles: list[str]) -> str:
		if frappe.db.exists("User", email):
			return email
		user = frappe.new_doc("User")
		user.update(
			{
				"email": email,
				"first_name": first_name,
				"last_name": last_name,
				"send_welcome_email": 0,
				"new_password": data.DEMO_PASSWORD,
			}
		)
		user.append_roles(*roles)
		user.flags.no_welcome_mail = True
		user.insert()
		self.created["User"] += 1
		return email

	def ensure_staff_users(self):
		for login, spec in data.STAFF.items():
			self.ensure_user(staff_email(login), spec["first_name"], spec["last_name"], spec["roles"])

	def ensure_service_centers(self):
		holidays = [{"holiday_date": day, "description": description} for day, description in data.HOLIDAYS]
		for spec in data.SERVICE_CENTERS:
			if frappe.db.exists("Service Center", spec["center_name"]):
				continue
			values = {key: value for key, value in spec.items() if key != "manager"}
			frappe.get_doc(
				{
					"doctype": "Service Center",
					"time_zone": data.TIME_ZONE,
					"manager": staff_email(spec["manager"]),
					**values,
					"holidays": holidays,
				}
			).insert()
			self.created["Service Center"] += 1

	def enable_assignment_rule(self):
		"""The app ships its Nearest Free Engineer rule disabled (an admin decides); the demo shows the process,
		so a new incident gets its engineer. Enabled once, after the history (which has its engineers), when
		the demo's incidents were made: a later run leaves an admin's choice alone."""
		from xnet_helpdesk.setup.assignment_setup import DEFAULT_RULE_NAME

		if not self.created.get("Incident") or not frappe.db.exists("Assignment Rule", DEFAULT_RULE_NAME):
			return
		rule = frappe.get_doc("Assignment Rule", DEFAULT_RULE_NAME)
		if rule.disabled:
			rule.disabled = 0
			rule.save()
			self.notes.append(f"Assignment Rule enabled: {DEFAULT_RULE_NAME}")

	def ensure_default_service_center(self):
		settings = frappe.get_single("Helpdesk Settings")
		if settings.default_service_center and settings.support_email:
			return
		if not settings.default_service_center:
			settings.default_service_center = data.DEFAULT_SERVICE_CENTER
			self.notes.append(f"Helpdesk Settings: default service center {data.DEFAULT_SERVICE_CENTER}")
		if not settings.support_email:
			settings.support_email = data.SUPPORT_EMAIL
			self.notes.append(f"Helpdesk Settings: support e-mail {data.SUPPORT_EMAIL}")
		settings.save()

	def ensure_engineers(self):
		for login, spec in data.STAFF.items():
			engineer = spec.get("engineer")
			if not engineer or frappe.db.exists("Support Engineer", staff_email(login)):
				continue
			frappe.get_doc(
				{
					"doctype": "Support Engineer",
					"user": staff_email(login),
					"service_center": engineer["service_center"],
					"support_line": engineer.get("support_line", "Second Line"),
					"availability": engineer.get("availability", "Available"),
					"capacity": engineer["capacity"],
					"skills": [{"category": category} for category in engineer.get("skills", [])],
				}
			).insert()
			self.created["Support Engineer"] += 1

	def ensure_client_companies(self):
		for spec in data.CLIENT_COMPANIES:
			if frappe.db.exists("Client Company", spec["company_name"]):
				continue
			values = {key: value for key, value in spec.items() if key != "domains"}
			frappe.get_doc(
				{
					"doctype": "Client Company",
					**values,
					"email_domains": [{"domain": domain} for domain in spec["domains"]],
				}
			).insert()
			self.created["Client Company"] += 1

	def ensure_contacts(self):
		for spec in data.CONTACTS:
			user = None
			if spec.get("portal"):
				user = self.ensure_user(spec["email"], spec["first_name"], spec["last_name"], [CLIENT])
			if get_contact_name(spec["email"]):
				continue
			frappe.get_doc(
				{
					"doctype": "Contact",
					"first_name": spec["first_name"],
					"last_name": spec["last_name"],
					"designation": spec.get("designation"),
					"company_name": spec["company"],
					"user": user,
					"is_company_representative": int(bool(spec.get("representative"))),
					"preferred_language": spec.get("language"),
					"email_ids": [{"email_id": spec["email"], "is_primary": 1}],
					"phone_nos": [{"phone": normalize_phone(spec["mobile"]), "is_primary_mobile_no": 1}],
					"links": [{"link_doctype": "Client Company", "link_name": spec["company"]}],
				}
			).insert()
			self.created["Contact"] += 1

	# --- global problems --------------------------------------------------------------------------

	def ensure_global_problems(self):
		for spec in data.GLOBAL_PROBLEMS:
			if frappe.db.exists("Global Problem", {"title": spec["title"]}):
				continue
			started = self.point_in_time(spec["started"])
			planned = started + timedelta(hours=spec["planned_after_hours"])
			if not spec.get("resolution"):
				# still going on: its estimate lies ahead, however long ago the demo's last working hour was
				planned = max(planned, self.now + timedelta(hours=2))
			planned = _round_up_to_half_hour(planned)
			problem = frappe.get_doc(
				{
					"doctype": "Global Problem",
					"title": spec["title"],
					"public": spec.get("public", 0),
					"status": "Active",
					"started_on": started,
					"planned_resolution_time": planned,
					"description": _html(spec["description"]),
					"affected_service_centers": [{"service_center": c} for c in spec["service_centers"]],
					"affected_client_companies": [{"client_company": c} for c in spec["client_companies"]],
				}
			).insert()
			manager = next(
				c["manager"] for c in data.SERVICE_CENTERS if c["center_name"] == spec["service_centers"][0]
			)
			self.backdate("Global Problem", problem.name, started, started, staff_email(manager))
			if spec.get("resolution"):
				self.problems_to_resolve.append((problem.name, started, manager, spec))
			self.created["Global Problem"] += 1

	def resolve_global_problems(self):
		"""Problems that are over in the demo are resolved once their incidents are linked."""
		for name, started, manager, spec in self.problems_to_resolve:
			problem = frappe.get_doc("Global Problem", name)
			problem.status = "Resolved"
			problem.resolution = _html(spec["resolution"])
			problem.save()
			resolved = started + timedelta(hours=spec["resolved_after_hours"])
			frappe.db.set_value(
				"Global Problem",
				name,
				{"resolved_on": resolved, "modified": resolved, "modified_by": staff_email(manager)},
				update_modified=False,
			)

	# --- incidents ------------------------------------------------------------------------------

	def ensure_incident(self, index: int, spec: dict):
		if frappe.db.exists("Incident", {"subject": spec["subject"], "contact_email": incident_email(spec)}):
			return
		contact = get_contact_name(spec["contact"]) if spec.get("contact") else None
		registered = self.registered_at(spec)
		times = self.step_times(registered, spec)
		doc = frappe.get_doc(
			{
				"doctype": "Incident",
				"subject": spec["subject"],
				"channel": spec["channel"],
				"priority": spec["priority"],
				"category": spec["category"],
				"contact": contact,
				"client_company": spec.get("company"),
				"service_center": spec.get("service_center"),
				"description": _html(spec["description"]),
				"global_problem": self.active_problem(spec.get("problem")),
				**spec.get("caller", {}),
				**spec.get("equipment", {}),
			}
		)
		if doc.channel == "Walk-in" and not doc.service_center:
			# registered at the counter of the client's own center (the demo runs as Administrator)
			from xnet_helpdesk.incident_flow.contacts import contact_company

			company = doc.client_company or (contact and contact_company(contact))
			doc.service_center = frappe.db.get_value("Client Company", company, "service_center")
		doc.insert()
		operators = data.OPERATORS_BY_CENTER[doc.service_center]
		people = {
			"operator": staff_email(operators[index % len(operators)]),
			"engineer": staff_email(spec["engineer"]) if spec.get("engineer") else None,
		}
		registered_by = people["operator"]
		if spec["channel"] == "Portal":
			registered_by = frappe.db.get_value("Contact", contact, "user") or registered_by
		stamps = {"registered_on": registered}
		trail = self.retime_trail(doc.name, {}, registered, registered_by)
		resolutions = 0
		for action, at in zip(spec["flow"], times, strict=True):
			values = {}
			if action in NEEDS_ENGINEER and not frappe.db.get_value("Incident", doc.name, "engineer"):
				values["engineer"] = people["engineer"]
			elif action == "Resolve":
				resolutions += 1
				first = spec.get("first_resolution") if resolutions == 1 else None
				values["resolution_details"] = _html(first or spec["resolution"])
			elif action == "Request Client Info":
				values["client_info_request"] = spec["client_info_request"]
			elif action == "Reopen":
				values["reopen_reason"] = spec["reopen_reason"]
			elif action == "Cancel Incident":
				values["cancellation_reason"] = spec["cancellation_reason"]
			before = frappe.db.get_value("Incident", doc.name, TIMESTAMP_FIELDS, as_dict=True)
			self.take_action(doc.name, action, values)
			after = frappe.db.get_value("Incident", doc.name, TIMESTAMP_FIELDS, as_dict=True)
			for field in TIMESTAMP_FIELDS:
				if after[field] != before[field]:
					stamps[field] = at if after[field] else None
			trail = self.retime_trail(doc.name, trail, at, people[ACTOR_ROLE[action]])
		last_at = times[-1] if times else registered
		last_actor = people[ACTOR_ROLE[spec["flow"][-1]]] if spec["flow"] else registered_by
		frappe.db.set_value("Incident", doc.name, stamps, update_modified=False)
		self.backdate("Incident", doc.name, registered, last_at, registered_by, last_actor)
		self.recompute_sla(doc.name, last_at)
		self.created["Incident"] += 1
		if spec.get("rating"):
			self.rate(doc.name, spec, contact, people, stamps)

	def recompute_sla(self, incident: str, last_step_at):
		"""The SLA clock ran while the demo was being built; judge it again from the backdated history."""
		from xnet_helpdesk.sla import service as sla

		doc = frappe.get_doc("Incident", incident)
		if doc.status in sla.PAUSING_STATUSES:
			doc.sla_paused_since = last_step_at
		doc.sla_paused_minutes = 0
		doc.sla_policy = None  # chosen again from priority and company
		sla.apply_to_incident(doc)
		frappe.db.set_value(
			"Incident", incident, {f: doc.get(f) for f in sla.SLA_FIELDS}, update_modified=False
		)

	def take_action(self, incident: str, action: str, values: dict):
		"""What a desk user does: fill in what the action needs and save, then click the workflow action."""
		doc = frappe.get_doc("Incident", incident)
		changes = {field: value for field, value in values.items() if doc.get(field) != value}
		if changes:
			doc.update(changes)
			doc.save()
		apply_workflow(doc, action)

	def active_problem(self, title: str | None) -> str | None:
		if not title:
			return None
		return frappe.db.get_value("Global Problem", {"title": title, "status": "Active"}, "name")

	def rate(self, incident: str, spec: dict, contact: str | None, people: dict, stamps: dict):
		stars, source, comment = spec["rating"]
		rating = frappe.get_doc(
			{
				"doctype": "Engineer Rating",
				"incident": incident,
				"stars": stars,
				"source": source,
				"comment": comment,
			}
		).insert()
		resolved = stamps.get("resolved_on") or stamps.get("closed_on")
		submitted = min(self.calendar.add(resolved, 1.5), self.anchor)
		author = {
			"Portal": frappe.db.get_value("Contact", contact, "user") if contact else None,
			"Operator": people["operator"],
		}.get(source) or "Guest"
		frappe.db.set_value("Engineer Rating", rating.name, "submitted_on", submitted, update_modified=False)
		self.backdate("Engineer Rating", rating.name, submitted, submitted, author)
		self.created["Engineer Rating"] += 1

	# --- time -------------------------------------------------------------------------------------

	def point_in_time(self, when: tuple) -> datetime:
		"""("hours", H): H working hours before the last working moment; ("days", D, "HH:MM"): that time
		D days before it, moved back to a working day whose office hours include it."""
		if when[0] == "hours":
			return self.calendar.subtract(self.anchor, when[1])
		_kind, days, clock = when
		hour, minute = (int(part) for part in clock.split(":"))
		moment = self.calendar.working_day_at(self.anchor.date() - timedelta(days=days), time(hour, minute))
		return min(moment, self.anchor - timedelta(minutes=10))

	def registered_at(self, spec: dict) -> datetime:
		"""When a demo incident was registered. ("outage", M): M minutes after its global problem began, by the
		clock: an outage's calls come in minutes apart even when the working hours before "now" span a night."""
		if spec["registered"][0] == "outage":
			problem = next(p for p in data.GLOBAL_PROBLEMS if p["title"] == spec["problem"])
			return self.point_in_time(problem["started"]) + timedelta(minutes=spec["registered"][1])
		return self.point_in_time(spec["registered"])

	def step_times(self, registered: datetime, spec: dict) -> list[datetime]:
		"""When each workflow action happened: working hours after the previous step, squeezed into the
		time between registration and the last working moment when the incident is recent."""
		gaps = spec.get("gaps") or [DEFAULT_GAPS[action] for action in spec["flow"]]
		times, current = [], registered
		for gap in gaps:
			current = self.calendar.add(current, gap)
			times.append(current)
		if times and times[-1] > self.anchor:
			scale = (self.anchor - registered) / (times[-1] - registered)
			times = [registered + (at - registered) * scale for at in times]
		return [at.replace(microsecond=0) for at in times]

	# --- timeline -----------------------------------------------------------------------------------

	def backdate(self, doctype, name, created, modified, owner, modified_by=None):
		frappe.db.set_value(
			doctype,
			name,
			{"creation": created, "modified": modified, "owner": owner, "modified_by": modified_by or owner},
			update_modified=False,
		)

	def trail(self, incident: str) -> dict[tuple[str, str], datetime]:
		"""The incident's versions and comments, with the moment they were really written."""
		versions = frappe.get_all(
			"Version", filters={"ref_doctype": "Incident", "docname": incident}, fields=["name", "creation"]
		)
		comments = frappe.get_all(
			"Comment",
			filters={"reference_doctype": "Incident", "reference_name": incident},
			fields=["name", "creation"],
		)
		return {("Version", row.name): row.creation for row in versions} | {
			("Comment", row.name): row.creation for row in comments
		}

	def retime_trail(self, incident: str, seen: dict, at: datetime, actor: str) -> dict:
		"""Versions and workflow comments of the last step carry its time and the person who took it;
		what the step wrote first (the fields it needed) stays a little earlier, so the timeline keeps its order."""
		current = self.trail(incident)
		new = sorted((key for key in current if key not in seen), key=lambda key: current[key], reverse=True)
		full_name = frappe.db.get_value("User", actor, "full_name")
		for position, (doctype, name) in enumerate(new):
			moment = at - timedelta(seconds=30 * position)
			values = {"creation": moment, "modified": moment, "owner": actor, "modified_by": actor}
			if doctype == "Comment":
				values.update(comment_email=actor, comment_by=full_name)
			frappe.db.set_value(doctype, name, values, update_modified=False)
		return current

	# --- summary ------------------------------------------------------------------------------------

	def summary(self) -> dict:
		names = demo_record_names()
		statuses = Counter(
			frappe.get_all("Incident", filters={"name": ("in", names["Incident"] or [""])}, pluck="status")
		)
		return {
			"site": frappe.local.site,
			"created": {doctype: self.created.get(doctype, 0) for doctype in SUMMARY_DOCTYPES},
			"totals": {doctype: len(names[doctype]) for doctype in SUMMARY_DOCTYPES},
			"incidents_by_status": {status: statuses.get(status, 0) for status in STATUSES},
			"password": data.DEMO_PASSWORD,
			"logins": [
				(MANAGER, staff_email("e.abenov")),
				("Service Center Manager, Караганда", staff_email("s.kim")),
				("Operator (first line), Караганда", staff_email("a.sadykova")),
				("Engineer (second line), Караганда", staff_email("d.omarov")),
				("Engineer (second line), Алматы", staff_email("zh.musina")),
				("Client (portal)", "g.ermekova@saryarka-agro.test"),
				("Client company representative (portal)", "d.kim@alatau-trade.test"),
			],
			"notes": self.notes,
		}


def _round_up_to_half_hour(moment: datetime) -> datetime:
	moment = moment.replace(second=0, microsecond=0)
	extra = (30 - moment.minute % 30) % 30
	return moment + timedelta(minutes=extra)


def format_summary(summary: dict) -> str:
	lines = [f"XNet Helpdesk demo on {summary['site']}", "", f"{'':<20}{'created':>8}{'total':>8}"]
	for doctype, total in summary["totals"].items():
		lines.append(f"{doctype:<20}{summary['created'][doctype]:>8}{total:>8}")
	lines += [
		"",
		"Incidents by status: " + ", ".join(f"{s} {n}" for s, n in summary["incidents_by_status"].items()),
	]
	lines += ["", f"Log in (password {summary['password']} for every demo user):"]
	lines += [f"  {login:<40} {role}" for role, login in summary["logins"]]
	if summary["notes"]:
		lines += ["", *summary["notes"]]
	return "\n".join(lines)
