import frappe
from frappe import _
from frappe.model.document import Document

from xnet_helpdesk.directory import client, mapping, sources, sync


class DirectorySource(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		agent_expected_interval: DF.Int
		agent_host: DF.Data | None
		agent_id: DF.Data | None
		agent_last_batch: DF.SmallText | None
		agent_last_batch_on: DF.Datetime | None
		agent_last_batch_result: DF.Literal["", "Accepted", "Failed"]
		agent_last_errors: DF.SmallText | None
		agent_last_heartbeat: DF.Datetime | None
		agent_position: DF.Data | None
		agent_silence_reported_on: DF.Datetime | None
		agent_version: DF.Data | None
		base_dn: DF.Data | None
		bind_dn: DF.Data | None
		bind_password: DF.Password | None
		ca_certificate: DF.Code | None
		client_company: DF.Link
		create_portal_users: DF.Check
		directory_type: DF.Literal["Active Directory", "OpenLDAP"]
		enabled: DF.Check
		feed: DF.Literal["LDAP Pull", "SCIM Push", "On-site Agent"]
		last_sync_log: DF.Link | None
		last_sync_message: DF.SmallText | None
		last_sync_on: DF.Datetime | None
		last_sync_status: DF.Literal["", "Running", "Success", "Failed"]
		map_account_control: DF.Data | None
		map_department: DF.Data | None
		map_display_name: DF.Data | None
		map_email: DF.Data | None
		map_first_name: DF.Data | None
		map_id: DF.Data
		map_last_name: DF.Data | None
		map_mobile: DF.Data | None
		map_phone: DF.Data | None
		map_principal_name: DF.Data | None
		map_title: DF.Data | None
		map_username: DF.Data | None
		max_deactivation_percent: DF.Percent
		page_size: DF.Int
		scim_token_hash: DF.Data | None
		scim_token_set_on: DF.Datetime | None
		server_url: DF.Data | None
		source_name: DF.Data
		start_tls: DF.Check
		sync_frequency: DF.Literal["Daily", "Hourly", "Manual only"]
		timeout: DF.Int
		user_filter: DF.SmallText | None
		verify_certificate: DF.Check

	# end: auto-generated types
	def validate(self):
		self.fill_attribute_map()
		self.validate_connection_settings()
		self.validate_limits()

	def fill_attribute_map(self):
		"""Empty attribute fields take the directory type's default, so a new source works as it is."""
		preset = mapping.PRESETS.get(self.directory_type) or mapping.PRESETS["Active Directory"]
		for key, default in preset.items():
			if not (self.get(f"map_{key}") or "").strip() and (key == "id" or self.is_new()):
				self.set(f"map_{key}", default)
		if not (self.user_filter or "").strip():
			self.user_filter = (
				mapping.OPENLDAP_DEFAULT_FILTER
				if self.directory_type == "OpenLDAP"
				else mapping.AD_DEFAULT_FILTER
			)

	def validate_connection_settings(self):
		if self.feed in sources.PUSH_FEEDS:
			return  # nothing to connect to: the directory (or its agent) calls us
		settings = sources.settings_for(self)
		try:
			client.check_settings(settings)
		except client.DirectoryError as error:
			frappe.throw(sources.error_message(error, settings), title=_("Invalid directory settings"))

	def validate_limits(self):
		if not 1 <= (self.page_size or 0) <= 10000:
			frappe.throw(_("Page Size must be between 1 and 10000"))
		if not 1 <= (self.timeout or 0) <= 600:
			frappe.throw(_("Timeout must be between 1 and 600 seconds"))
		if not 0 <= (self.max_deactivation_percent or 0) <= 100:
			frappe.throw(_("Deactivation Limit must be between 0 and 100"))
		if not 0 <= (self.agent_expected_interval or 0) <= 7 * 24 * 60:
			frappe.throw(_("Expected Heartbeat Interval must be between 0 and 10080 minutes (a week)"))

	@frappe.whitelist()
	def test_connection(self) -> str:
		self.check_permission("write")
		return sources.test_connection(self)

	@frappe.whitelist()
	def preview(self, limit: int = 20, search: str | None = None) -> list[dict]:
		self.check_permission("write")
		return sources.preview(self, int(limit or 20), search)

	@frappe.whitelist()
	def generate_scim_token(self) -> dict:
		"""A new bearer token for /scim/v2/, returned this once; only its hash is kept. The old token
		stops working at once (rotation)."""
		self.check_permission("write")
		if self.is_new() or self.feed not in sources.PUSH_FEEDS:
			frappe.throw(_("Save the directory source with the feed SCIM Push or On-site Agent first."))
		from xnet_helpdesk.scim.auth import new_token

		token, digest = new_token()
		self.db_set({"scim_token_hash": digest, "scim_token_set_on": frappe.utils.now_datetime()})
		return {"token": token, "url": frappe.utils.get_url("/scim/v2/")}

	@frappe.whitelist()
	def sync_now(self) -> str:
		self.check_permission("write")
		if self.feed in sources.PUSH_FEEDS:
			frappe.throw(_("A SCIM source is not pulled: its directory sends the changes."))
		if self.is_new():
			frappe.throw(_("Save the directory source before syncing it."))
		if not self.enabled:
			frappe.throw(_("The directory source is disabled."))
		sync.enqueue_sync(self.name, trigger="Manual")
		return _("The sync has started in the background; its log appears under Directory Sync Log.")
