"""Frappe's Notification Log, without a second e-mail for an incident's assignment.

assign_to.add tells the assignee in the Desk (the bell) and, by default, by an e-mail "X assigned a new
task Incident … to you". For incidents the Notification "Incident Assigned: engineer" already e-mails the
engineer, in their language and with the incident's summary: while it is enabled the bell stays and
Frappe's e-mail is left out, so the engineer is e-mailed exactly once. An admin who disables that
Notification gets Frappe's e-mail back.
"""

import frappe
from frappe.desk.doctype.notification_log.notification_log import (
	NotificationLog,
	set_notifications_as_unseen,
)

ASSIGNED_NOTIFICATION = "Incident Assigned: engineer"


def incident_assignment_mail_enabled() -> bool:
	return bool(frappe.db.get_value("Notification", ASSIGNED_NOTIFICATION, "enabled"))


class XnetNotificationLog(NotificationLog):
	def after_insert(self):
		if (
			self.type == "Assignment"
			and self.document_type == "Incident"
			and incident_assignment_mail_enabled()
		):
			frappe.publish_realtime("notification", after_commit=True, user=self.for_user)
			set_notifications_as_unseen(self.for_user)
			return
		super().after_insert()
