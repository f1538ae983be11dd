from frappe.model.document import Document


class OutageAlert(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from xnet_helpdesk.xnet_helpdesk.doctype.outage_alert_incident.outage_alert_incident import (
			OutageAlertIncident,
		)

		burst_key: DF.Data | None
		burst_kind: DF.Literal["Service Center", "Client Company", "Category", "Subject Words"]
		category: DF.Link | None
		client_company: DF.Link | None
		global_problem: DF.Link | None
		incidents: DF.Table[OutageAlertIncident]
		raised_on: DF.Datetime | None
		service_center: DF.Link | None
		status: DF.Literal["Open", "Problem Created", "Dismissed"]
		title: DF.Data | None
		window_minutes: DF.Int
	# end: auto-generated types
	"""Raised by the burst detector (outages/detector.py); its actions are detector.create_problem and
	detector.dismiss."""
