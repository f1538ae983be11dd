import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, now_datetime, strip_html_tags

from xnet_helpdesk.incident_flow.lifecycle import CLOSED, RESOLVED

RATEABLE = (RESOLVED, CLOSED)


class EngineerRating(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		center_manager: DF.Link | None
		comment: DF.SmallText | None
		contact: DF.Link | None
		engineer: DF.Link | None
		incident: DF.Link
		is_hidden: DF.Check
		service_center: DF.Link | None
		source: DF.Literal["Portal", "E-mail Link", "Operator"]
		stars: DF.Int
		submitted_on: DF.Datetime | None

	# end: auto-generated types
	def before_insert(self):
		if frappe.db.exists("Engineer Rating", self.incident):
			frappe.throw(
				_("Incident {0} has already been rated: change the existing rating").format(
					frappe.bold(self.incident)
				),
				frappe.DuplicateEntryError,
			)

	def validate(self):
		self.copy_from_incident()
		self.validate_stars()
		self.clean_comment()
		self.validate_still_changeable()
		self.stamp_submission()

	def copy_from_incident(self):
		incident = frappe.db.get_value(
			"Incident", self.incident, ["status", "engineer", "service_center", "contact"], as_dict=True
		)
		if not incident:
			frappe.throw(
				_("Incident {0} does not exist").format(frappe.bold(self.incident)),
				frappe.LinkValidationError,
			)
		if self.is_new() and incident.status not in RATEABLE:
			frappe.throw(_("Only a resolved incident can be rated"))
		if not incident.engineer:
			frappe.throw(_("Incident {0} has no engineer to rate").format(frappe.bold(self.incident)))
		self.engineer = incident.engineer
		self.service_center = incident.service_center
		self.contact = incident.contact
		self.center_manager = frappe.db.get_value("Service Center", incident.service_center, "manager")
		self._incident_status = incident.status

	def validate_stars(self):
		if cint(self.stars) != self.stars or not 1 <= cint(self.stars) <= 5:
			frappe.throw(_("A rating is 1 to 5 stars"), title=_("Rating"))

	def clean_comment(self):
		"""Comments are plain text: markup from a client is never shown to staff or other clients."""
		self.comment = strip_html_tags(self.comment or "").strip() or None

	def validate_still_changeable(self):
		if self.is_new() or self._incident_status != CLOSED:
			return
		if self.has_value_changed("stars") or self.has_value_changed("comment"):
			frappe.throw(_("The incident is closed: its rating can no longer be changed"))

	def stamp_submission(self):
		if self.is_new() or self.has_value_changed("stars") or self.has_value_changed("comment"):
			self.submitted_on = now_datetime()

	def on_update(self):
		refresh_engineer_rating(self.engineer)

	def after_delete(self):
		refresh_engineer_rating(self.engineer)


def refresh_engineer_rating(engineer: str):
	"""Average and count on the engineer, recomputed from the ratings (hidden comments still count)."""
	if not engineer:
		return
	rating = frappe.qb.DocType("Engineer Rating")
	average, count = (
		frappe.qb.from_(rating)
		.select(
			frappe.query_builder.functions.Avg(rating.stars),
			frappe.query_builder.functions.Count(rating.name),
		)
		.where(rating.engineer == engineer)
		.run()
	)[0]
	frappe.db.set_value(
		"Support Engineer",
		engineer,
		{"rating_average": round(float(average or 0), 2), "rating_count": count or 0},
		update_modified=False,
	)
