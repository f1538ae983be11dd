"""Ratings that were accepted into Redis for a background job (before ratings were stored in the request)
are stored once, through the Engineer Rating controller; one it refuses (closed meanwhile) is logged."""

import json

import frappe

from xnet_helpdesk.portal.actions import LEGACY_PENDING_KEY, save_rating


def execute():
	key = frappe.cache.make_key(LEGACY_PENDING_KEY)
	waiting = frappe.cache.execute_command("HGETALL", key) or {}
	for incident, raw in waiting.items():
		incident = incident.decode() if isinstance(incident, bytes) else incident
		submission = json.loads(raw)
		try:
			save_rating(incident, submission["stars"], submission["comment"], submission["source"])
		except frappe.ValidationError:
			frappe.db.rollback()
			frappe.log_error(f"Portal rating for {incident} refused", frappe.get_traceback())
		else:
			frappe.db.commit()  # a patch: each stored rating is its own transaction
	frappe.cache.execute_command("DEL", key)
