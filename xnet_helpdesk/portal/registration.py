"""A logged-in client registers a new incident from the portal (/support/new, and api.register behind it).

Who the client is — contact, company, service center — comes from the session's Contact, never from the
request. The request brings only the subject, the description, a category, a callback phone, an active outage
it belongs to and a few attachments; all of it is checked before anything is stored. The incident then takes
the normal insert (the controller's validation, the workflow, the "Incident Registered" e-mail, the
assignment rule) and the files become private File records attached to it.
"""

import os
import re
import unicodedata
from dataclasses import dataclass, field

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit
from frappe.utils import cint

from xnet_helpdesk.incident_flow.contact_details import InvalidPhone, normalize_phone
from xnet_helpdesk.incident_flow.contacts import contact_company
from xnet_helpdesk.intake.text import clean_text, text_to_html
from xnet_helpdesk.outages.active import get_active_problems_for
from xnet_helpdesk.portal.access import CLIENT_ROLE

METHOD = "xnet_helpdesk.portal.api.register"
CHANNEL = "Portal"
SUBJECT_MAX = 140
DESCRIPTION_MAX = 5000
PHONE_MAX = 40
# the request parameters the form may send, with the most characters read of each
FIELDS = {
	"subject": 1000,
	"description": 20000,
	"category": 140,
	"phone": 100,
	"global_problem": 140,
	"submission": 40,
}
UPLOAD_FIELD = "attachments"
DEFAULT_MAX_FILES = 3
DEFAULT_MAX_FILE_MB = 10
# what clients send us: screenshots, photos of a screen, logs, documents; no pages or scripts a browser runs
FILE_EXTENSIONS = (
	"jpg",
	"jpeg",
	"png",
	"gif",
	"webp",
	"heic",
	"bmp",
	"pdf",
	"txt",
	"log",
	"csv",
	"doc",
	"docx",
	"xls",
	"xlsx",
	"odt",
	"ods",
	"zip",
)
FILE_NAME_MAX = 120
RATE_KEY = "xnet_registering_user"
RATE_WINDOW = 60 * 60
DEFAULT_PER_HOUR = 10
SUBMISSION = re.compile(r"^[A-Za-z0-9-]{8,40}$")
SUBMISSION_SECONDS = 24 * 60 * 60


class NotAClient(frappe.PermissionError):
	"""The session cannot register incidents on the portal; the message says why."""


class FormErrors(frappe.ValidationError):
	"""What is wrong with the form, one plain-text message per problem (nothing has been stored)."""

	def __init__(self, errors: list[str]):
		self.errors = errors
		super().__init__("\n".join(errors))


@dataclass(frozen=True)
class PortalClient:
	user: str
	contact: str
	full_name: str
	phone: str
	company: str
	service_center: str | None


@dataclass
class Upload:
	file_name: str
	content: bytes


@dataclass
class Form:
	subject: str = ""
	description: str = ""
	category: str | None = None
	phone: str = ""
	global_problem: str | None = None
	uploads: list[Upload] = field(default_factory=list)


# --- the caller ------------------------------------------------------------------------------------


def refuse(message: str):
	raise NotAClient(message)


def portal_client(user: str | None = None) -> PortalClient:
	"""The session's client: a Helpdesk Client whose login is linked to an enabled Contact."""
	user = user or frappe.session.user
	if user == "Guest":
		refuse(_("Please log in to register an incident."))
	if CLIENT_ROLE not in frappe.get_roles(user):
		refuse(_("Incidents are registered here by our clients. Staff register incidents in the Desk."))
	not_linked = _(
		"Your login is not linked to a client contact yet. Please call the support line and we will link it."
	)
	contacts = frappe.get_all(
		"Contact",
		filters={"user": user},
		fields=["name", "full_name", "mobile_no", "phone", "disabled"],
		order_by="creation asc",
	)
	if not contacts:
		refuse(not_linked)
	enabled = [row for row in contacts if not row.disabled]
	if not enabled:
		refuse(_("Your contact is disabled. Please call the support line."))
	# the contact that belongs to a client company; one of no company (Frappe makes one for every new
	# user) does not make a client
	contact, company = next(
		((row, found) for row in enabled if (found := contact_company(row.name))), (None, None)
	)
	if not contact:
		refuse(not_linked)
	values = frappe.db.get_value("Client Company", company, ["is_active", "service_center"], as_dict=True)
	if not values or not values.is_active:
		refuse(_("Your company's support service is not active. Please call the support line."))
	return PortalClient(
		user=user,
		contact=contact.name,
		full_name=contact.full_name or "",
		phone=contact.mobile_no or contact.phone or "",
		company=company,
		service_center=values.service_center,
	)


def outages(client: PortalClient) -> list[dict]:
	"""Active global problems of the client's company or service center (or of everyone)."""
	return get_active_problems_for(client.company, client.service_center)


def categories() -> list[str]:
	return frappe.get_all(
		"Incident Category", filters={"is_active": 1}, pluck="name", order_by="category_name asc"
	)


# --- limits ----------------------------------------------------------------------------------------


def max_files() -> int:
	return cint(frappe.conf.get("xnet_portal_max_attachments")) or DEFAULT_MAX_FILES


def max_file_bytes() -> int:
	from frappe.core.api.file import get_max_file_size

	ours = (cint(frappe.conf.get("xnet_portal_attachment_max_mb")) or DEFAULT_MAX_FILE_MB) * 1024 * 1024
	# never more than Frappe's own File limit, which would refuse the file after the incident is stored
	return min(ours, get_max_file_size())


def max_request_bytes() -> int:
	"""What Frappe accepts in one request (app.init_request): all the files of one form together."""
	return cint(frappe.conf.get("max_file_size")) or 25 * 1024 * 1024


def allowed_extensions() -> list[str]:
	site_wide = frappe.get_system_settings("allowed_file_extensions")
	if not site_wide:
		return list(FILE_EXTENSIONS)
	permitted = {line.strip().lower() for line in site_wide.splitlines() if line.strip()}
	return [ext for ext in FILE_EXTENSIONS if ext in permitted]


def registrations_per_hour() -> int:
	return cint(frappe.conf.get("xnet_portal_registrations_per_hour")) or DEFAULT_PER_HOUR


@rate_limit(key=RATE_KEY, limit=registrations_per_hour, seconds=RATE_WINDOW, methods=["POST"], ip_based=False)
def _count_attempt():
	pass


def count_attempt(user: str):
	"""Each POST of the form counts for its user, whichever way it came in (api.register or the page's own
	POST): Frappe's limiter keys on the request's method name, so both count under the API's name."""
	form = frappe.form_dict
	saved = {name: form.get(name) for name in ("cmd", RATE_KEY)}
	form.cmd, form[RATE_KEY] = METHOD, user
	try:
		_count_attempt()
	finally:
		for name, value in saved.items():
			if value is None:
				form.pop(name, None)
			else:
				form[name] = value


# --- the form --------------------------------------------------------------------------------------


def allowed_values(**given) -> dict:
	"""The form's own parameters, each read up to its most characters; nothing else is kept."""
	values = {}
	for name, most in FIELDS.items():
		value = given.get(name)
		values[name] = str(value)[:most] if isinstance(value, str | int) else ""
	return values


def request_values() -> dict:
	"""The form's parameters from the request; anything else in it (a contact, a company) is ignored."""
	return allowed_values(**{name: frappe.form_dict.get(name) for name in FIELDS})


def request_uploads() -> list:
	request = getattr(frappe.local, "request", None)
	files = getattr(request, "files", None)
	return list(files.getlist(UPLOAD_FIELD)) if files else []


def safe_file_name(raw: str) -> str:
	"""The last path part, without control characters, short enough for a File name."""
	name = os.path.basename(str(raw or "").replace("\\", "/"))
	name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
	stem, ext = os.path.splitext(name)
	return (stem[: FILE_NAME_MAX - len(ext)] + ext) if stem else ""


def read_uploads(uploads: list, errors: list[str]) -> list[Upload]:
	"""Each file within the limits, read no further than one byte past the limit."""
	chosen = [u for u in uploads if u is not None and (getattr(u, "filename", "") or "").strip()]
	if not chosen:
		return []
	if len(chosen) > max_files():
		errors.append(_("You can attach at most {0} files.").format(max_files()))
		return []
	limit, extensions = max_file_bytes(), allowed_extensions()
	result = []
	for upload in chosen:
		name = safe_file_name(upload.filename)
		extension = os.path.splitext(name)[1].lstrip(".").lower()
		shown = name or _("(no name)")
		if not name or extension not in extensions:
			errors.append(
				_("The file {0} cannot be attached: allowed are {1}.").format(shown, ", ".join(extensions))
			)
			continue
		content = upload.stream.read(limit + 1)
		if len(content) > limit:
			errors.append(_("The file {0} is larger than {1} MB.").format(shown, limit // (1024 * 1024)))
		elif not content:
			errors.append(_("The file {0} is empty.").format(shown))
		else:
			result.append(Upload(file_name=name, content=content))
	return result


def check_form(client: PortalClient, values: dict, uploads: list) -> Form:
	"""The form as it will be stored, or FormErrors listing every problem found."""
	errors = []
	form = Form()
	form.subject = " ".join(clean_text(values.get("subject")).split())
	if not form.subject:
		errors.append(_("Please enter a subject: what is not working?"))
	elif len(form.subject) > SUBJECT_MAX:
		errors.append(_("The subject is too long: at most {0} characters.").format(SUBJECT_MAX))

	form.description = clean_text(values.get("description"))
	if not form.description:
		errors.append(_("Please describe the problem."))
	elif len(form.description) > DESCRIPTION_MAX:
		errors.append(_("The description is too long: at most {0} characters.").format(DESCRIPTION_MAX))

	category = (values.get("category") or "").strip()
	if category:
		if category not in categories():
			errors.append(_("Please choose a category from the list."))
		else:
			form.category = category

	phone = (values.get("phone") or "").strip()
	if not phone:
		errors.append(_("Please enter a phone number we can call you back on."))
	else:
		try:
			if len(phone) > PHONE_MAX:
				raise InvalidPhone(phone)
			form.phone = normalize_phone(phone)
		except InvalidPhone:
			errors.append(
				_("The phone number is not valid. Write it like this: +7 701 123 45 67 or 8 7212 50 52 52.")
			)

	problem = (values.get("global_problem") or "").strip()
	if problem:
		if problem not in {row.name for row in outages(client)}:
			errors.append(_("The outage you chose is no longer active. Please reload the page."))
		else:
			form.global_problem = problem

	form.uploads = read_uploads(uploads, errors)
	if errors:
		raise FormErrors(errors)
	return form


# --- registering -----------------------------------------------------------------------------------


def _submission_key(user: str, submission: str) -> str:
	return f"xnet_portal_registration:{user}:{submission}"


def already_registered(user: str, submission: str) -> str | None:
	"""The incident a form (its submission id) registered already: a double click or a resent form."""
	if not SUBMISSION.match(submission or ""):
		return None
	name = frappe.cache.get_value(_submission_key(user, submission))
	return name if name and frappe.db.exists("Incident", name) else None


def remember_submission(user: str, submission: str, incident: str):
	if SUBMISSION.match(submission or ""):
		frappe.db.after_commit.add(
			lambda: frappe.cache.set_value(
				_submission_key(user, submission), incident, expires_in_sec=SUBMISSION_SECONDS
			)
		)


def create_incident(client: PortalClient, form: Form) -> str:
	doc = frappe.new_doc("Incident")
	doc.update(
		{
			"channel": CHANNEL,
			"subject": form.subject,
			"description": text_to_html(form.description),
			"category": form.category,
			"contact": client.contact,
			"client_company": client.company,
			"contact_phone": form.phone,
			"global_problem": form.global_problem,
		}
	)
	# the caller is a verified client with an enabled contact (portal_client); clients hold no create
	# permission on Incident, so the portal registers it for them through the normal insert
	doc.insert(ignore_permissions=True)
	for upload in form.uploads:
		frappe.get_doc(
			{
				"doctype": "File",
				"file_name": upload.file_name,
				"attached_to_doctype": "Incident",
				"attached_to_name": doc.name,
				"is_private": 1,
				"content": upload.content,
			}
		).insert(ignore_permissions=True)  # the client's own attachment to the incident just registered
	doc.add_comment("Info", _("Registered by the client on the portal"))
	return doc.name


def require_csrf_session():
	"""Frappe compares the request's CSRF token with the session's, but only once the session holds one
	(the portal's pages create it): a session that never had one is refused here, not waved through."""
	if frappe.request and not (frappe.session.data or {}).get("csrf_token"):
		frappe.throw(
			_("Your session has expired. Please reload the page and try again."), frappe.CSRFTokenError
		)


def register(values: dict | None = None, uploads: list | None = None) -> str:
	"""Register the session client's incident from the request's form; returns its number."""
	client = portal_client()
	require_csrf_session()
	values = request_values() if values is None else values
	uploads = request_uploads() if uploads is None else uploads
	existing = already_registered(client.user, values.get("submission", ""))
	if existing:
		return existing
	count_attempt(client.user)
	form = check_form(client, values, uploads)
	name = create_incident(client, form)
	remember_submission(client.user, values.get("submission", ""), name)
	return name
