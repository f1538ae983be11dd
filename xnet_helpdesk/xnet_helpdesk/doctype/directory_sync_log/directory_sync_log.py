from frappe.model.document import Document


class DirectorySyncLog(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from xnet_helpdesk.xnet_helpdesk.doctype.directory_sync_log_entry.directory_sync_log_entry import (
			DirectorySyncLogEntry,
		)

		adopted: DF.Int
		client_company: DF.Link | None
		created: DF.Int
		deactivated: DF.Int
		directory_source: DF.Link | None
		duration: DF.Float
		entries: DF.Table[DirectorySyncLogEntry]
		entries_not_listed: DF.Int
		entries_seen: DF.Int
		finished_on: DF.Datetime | None
		message: DF.SmallText | None
		portal_users_created: DF.Int
		skipped: DF.Int
		started_on: DF.Datetime | None
		status: DF.Literal["Running", "Success", "Failed"]
		sync_batch: DF.Data | None
		trigger: DF.Literal["Manual", "Scheduled", "SCIM", "Agent"]
		unchanged: DF.Int
		updated: DF.Int
	# end: auto-generated types
	"""Written by xnet_helpdesk.directory.sync only; read-only in Desk."""
