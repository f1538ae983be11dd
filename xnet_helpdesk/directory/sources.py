"""A Directory Source as the LDAP client sees it: its settings, the messages its errors and skipped entries
show in the Desk, and the Desk buttons that read the directory without changing anything (Test Connection,
Preview)."""

from itertools import islice

import frappe
from frappe import _

from xnet_helpdesk.directory import client, mapping
from xnet_helpdesk.directory.client import DirectoryError, SourceSettings

# feeds where the directory calls us (with the source's SCIM token), instead of being read over LDAP
PUSH_FEEDS = ("SCIM Push", "On-site Agent")


def settings_for(source) -> SourceSettings:
	return SourceSettings(
		url=(source.server_url or "").strip(),
		base_dn=(source.base_dn or "").strip(),
		bind_dn=(source.bind_dn or "").strip(),
		password=source.get_password("bind_password", raise_exception=False) or "",
		start_tls=bool(source.start_tls),
		verify_certificate=bool(source.verify_certificate),
		ca_certificate=source.ca_certificate or "",
		user_filter=(source.user_filter or "").strip(),
		page_size=int(source.page_size or 1000),
		timeout=int(source.timeout or 15),
		attribute_map=attribute_map(source),
	)


def attribute_map(source) -> dict[str, str]:
	return {key: (source.get(f"map_{key}") or "").strip() for key in mapping.ATTRIBUTE_MAP}


def error_message(error: DirectoryError, settings: SourceSettings) -> str:
	detail = settings.scrub(error.detail)
	if error.kind == client.AUTH:
		return _("The directory refused the bind DN or the password. Check Bind DN and Bind Password.")
	if error.kind == client.UNREACHABLE:
		return _("Cannot reach the directory server {0}: {1}").format(settings.url, detail)
	if error.kind == client.TLS:
		return _(
			"The secure connection to {0} failed: {1}. Check the CA certificate, the host name in the URL and StartTLS."
		).format(settings.url, detail)
	if error.kind == client.TIMEOUT:
		return _("The directory server {0} did not answer within {1} seconds.").format(
			settings.url, settings.timeout
		)
	if error.kind == client.FILTER:
		return _("The user filter is not a valid LDAP filter: {0}").format(settings.user_filter)
	if error.kind == client.BASE_DN:
		return _("The base DN {0} does not exist on the server or the bind DN may not read it.").format(
			settings.base_dn
		)
	if error.kind == client.CONFIG:
		return {
			"url": _("The server URL must look like ldaps://host:636 or ldap://host:389."),
			"starttls_with_ldaps": _(
				"StartTLS is for ldap:// URLs: an ldaps:// connection is encrypted already."
			),
			"base_dn": _("Base DN is required."),
		}.get(error.detail, _("The directory source is not configured correctly."))
	return _("The directory server returned an error: {0}").format(detail)


def entry_reason(code: str, detail: str = "") -> str:
	messages = {
		mapping.NO_ID: _("No stable ID: the entry has no {0} attribute").format(detail),
		mapping.NO_NAME: _("No name and no login to show"),
		mapping.DUPLICATE_ID: _("The same ID appeared twice in this sync"),
		mapping.OTHER_SOURCE: _("Already imported by directory source {0}").format(detail),
		mapping.BAD_PHONE: _("Not a phone number, left out: {0}").format(detail),
		mapping.BAD_EMAIL: _("Not an e-mail address, left out: {0}").format(detail),
		mapping.DISABLED_NEW: _("Account disabled in the directory and never imported: not imported"),
	}
	return messages.get(code, code)


# --- preview and test connection (Desk buttons) ----------------------------------------------------


def test_connection(source) -> str:
	settings = settings_for(source)
	try:
		result = client.test_connection(settings)
	except DirectoryError as error:
		frappe.throw(error_message(error, settings), title=_("Connection failed"))
	if result["sample_count"] >= 100:
		found = _("at least 100 entries match the user filter")
	else:
		found = _("{0} entries match the user filter").format(result["sample_count"])
	secure = _("encrypted") if result["encrypted"] else _("not encrypted")
	return _("Connected and signed in ({0}); {1}.").format(secure, found)


def preview(source, limit: int = 20, search_text: str | None = None) -> list[dict]:
	"""The first `limit` entries as they would be imported, with what a sync would do to each."""
	settings = settings_for(source)
	rows = []
	try:
		for item in islice(client.iter_people(settings, search_text), max(1, min(int(limit or 20), 200))):
			if isinstance(item, tuple):
				dn, skip = item
				rows.append({"dn": dn, "action": _("Skip"), "note": entry_reason(skip.reason, skip.detail)})
				continue
			contact = frappe.db.get_value(
				"Contact",
				{"directory_id": item.directory_id},
				["name", "directory_data", "disabled"],
				as_dict=True,
			)
			if contact:
				unchanged = mapping.is_unchanged(
					mapping.parse_snapshot(contact.directory_data), item, bool(contact.disabled)
				)
				action = _("Unchanged") if unchanged else _("Update")
			else:
				action = _("Skip") if item.disabled else _("Create")
			rows.append(
				{
					"dn": item.dn,
					"action": action,
					"name": " ".join(filter(None, (item.first_name, item.last_name))),
					"username": item.username,
					"email": item.email or "",
					"phones": ", ".join(item.phones + item.mobiles),
					"department": item.department,
					"title": item.title,
					"disabled": item.disabled,
					"note": "; ".join(entry_reason(code, text) for code, text in item.warnings),
				}
			)
	except DirectoryError as error:
		frappe.throw(error_message(error, settings), title=_("Preview failed"))
	return rows
