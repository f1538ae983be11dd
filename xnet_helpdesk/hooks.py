app_name = "xnet_helpdesk"
app_title = "XNet Helpdesk"
app_publisher = "XNet"
app_description = "Incident desk for a network of IT service centers"
app_email = "support@xnet.kz"
app_license = "mit"
# controllers carry the generated type blocks of their fields (scripts/export-types; developer mode on save)
export_python_type_annotations = True

# Install / uninstall
# ------------------
before_install = "xnet_helpdesk.setup.install.before_install"
after_install = "xnet_helpdesk.setup.install.after_install"
# creates what a newer version added (roles, workflow, custom fields, kanban); never overwrites
after_migrate = "xnet_helpdesk.setup.install.ensure_setup"
before_uninstall = "xnet_helpdesk.setup.uninstall.before_uninstall"
after_uninstall = "xnet_helpdesk.setup.uninstall.after_uninstall"

# Desk
# ----
# list colours, kanban and the operator's quick entry live beside the Incident doctype
# the Desk's clock from the server's tzdata (Frappe 15's moment-timezone still has Asia/Almaty at UTC+6)
app_include_js = ["/assets/xnet_helpdesk/js/desk_clock.js", "/assets/xnet_helpdesk/js/call_popup.js"]
extend_bootinfo = ["xnet_helpdesk.business_hours.desk_clock.extend_bootinfo"]

# Permissions: one scope function feeds both the list condition and the document check
# ------------------------------------------------------------------------------------
_configuration = "xnet_helpdesk.permissions.configuration"
_contacts = "xnet_helpdesk.permissions.contacts"
permission_query_conditions = {
	"Incident": "xnet_helpdesk.permissions.scope.incident_query_conditions",
	"Engineer Rating": "xnet_helpdesk.permissions.scope.rating_query_conditions",
	"Support Engineer": "xnet_helpdesk.permissions.scope.engineer_query_conditions",
	"Call": "xnet_helpdesk.permissions.scope.call_query_conditions",
	# Frappe's doctypes the helpdesk's roles are granted (setup/permissions_setup.py): those rights reach
	# the helpdesk's own records only (its workflow, notifications, support mailbox, callers' contacts, …)
	"Workflow": f"{_configuration}.query_conditions",
	"Notification": f"{_configuration}.query_conditions",
	"Assignment Rule": f"{_configuration}.query_conditions",
	"Email Account": f"{_configuration}.query_conditions",
	"Email Template": f"{_configuration}.query_conditions",
	"Property Setter": f"{_configuration}.query_conditions",
	"Contact": f"{_contacts}.query_conditions",
}
has_permission = {
	"Incident": "xnet_helpdesk.permissions.scope.incident_has_permission",
	"Engineer Rating": "xnet_helpdesk.permissions.scope.rating_has_permission",
	"Support Engineer": "xnet_helpdesk.permissions.scope.engineer_has_permission",
	"Call": "xnet_helpdesk.permissions.scope.call_has_permission",
	"Workflow": f"{_configuration}.has_permission",
	"Notification": f"{_configuration}.has_permission",
	"Assignment Rule": f"{_configuration}.has_permission",
	"Email Account": f"{_configuration}.has_permission",
	"Email Template": f"{_configuration}.has_permission",
	"Property Setter": f"{_configuration}.has_permission",
	"Contact": f"{_contacts}.has_permission",
}

# A Contact link field finds the caller by phone number as well as by name
standard_queries = {"Contact": "xnet_helpdesk.intake.phone.contact_query"}

# Document events
# ---------------
_clear_scope = "xnet_helpdesk.permissions.scope.clear_scope_cache"
_clear_board = "xnet_helpdesk.outages.board.clear_board_cache"
# what a Helpdesk Manager or an operator saves stays the helpdesk's (permissions/configuration.py, contacts.py)
_keep_to_the_helpdesk = f"{_configuration}.keep_to_the_helpdesk"
# the phones and address clients are told (support_line.py), cached
_support_line = "xnet_helpdesk.support_line.clear_cache"
doc_events = {
	"Contact": {
		# before Contact.validate copies the primary numbers into mobile_no / phone
		"before_validate": [
			f"{_contacts}.keep_to_the_helpdesk",
			"xnet_helpdesk.intake.phone.normalize_contact_phones",
			# each phone's E.164 key, which an incoming call is looked up by (telephony/identify.py)
			"xnet_helpdesk.telephony.identify.fill_caller_keys",
		],
		"on_update": _clear_scope,
		"on_trash": _clear_scope,
	},
	"Support Engineer": {"on_update": _clear_scope, "on_trash": _clear_scope},
	"Incident": {
		# Workflow Action bookkeeping is skipped for workflows whose states are all optional (cached): the
		# wrapper replaces Frappe's handler before an incident's save reaches its on_update hooks
		"before_validate": "xnet_helpdesk.overrides.workflow_action.install",
		"after_insert": [
			# a burst of new incidents in one center is probably an outage (outages/detector.py)
			"xnet_helpdesk.outages.detector.check",
			# the call it was registered from points to it (telephony/callbacks.py)
			"xnet_helpdesk.telephony.callbacks.link_incident",
		],
	},
	# the public outage board is cached per language: any change of a problem or an update shows at once
	"Global Problem": {"on_change": _clear_board, "on_trash": _clear_board},
	"Global Problem Update": {"on_change": _clear_board, "on_trash": _clear_board},
	"Service Center": {
		"on_update": [_clear_scope, "xnet_helpdesk.business_hours.centers.clear_center_cache", _support_line],
		"on_trash": ["xnet_helpdesk.business_hours.centers.clear_center_cache", _support_line],
	},
	"Helpdesk Settings": {"on_update": _support_line},
	"User": {"on_update": _clear_scope},
	# every queued e-mail leaves within seconds, not on the scheduler's 4-minute tick (the queue still retries)
	"Email Queue": {"after_insert": "xnet_helpdesk.outgoing.prompt.send_soon"},
	"Workflow": {
		"before_validate": _keep_to_the_helpdesk,
		"on_update": "xnet_helpdesk.overrides.workflow_action.clear_cache",
		"on_trash": "xnet_helpdesk.overrides.workflow_action.clear_cache",
	},
	"Notification": {"before_validate": _keep_to_the_helpdesk},
	"Assignment Rule": {"before_validate": _keep_to_the_helpdesk},
	"Email Account": {"before_validate": _keep_to_the_helpdesk},
	"Email Template": {"before_validate": _keep_to_the_helpdesk},
}

# Frappe's Assignment Rule gains the "Nearest Free Engineer" rule (the other rules stay Frappe's)
override_doctype_class = {
	"Assignment Rule": "xnet_helpdesk.overrides.assignment_rule.XnetAssignmentRule",
	"Email Account": "xnet_helpdesk.overrides.email_account.SupportEmailAccount",
	# an incident's assignment e-mails the engineer once: through the Notification, not also Frappe's mail
	"Notification Log": "xnet_helpdesk.overrides.notification_log.XnetNotificationLog",
	# the incidents', ratings' and alerts' notifications speak their recipients' language, also in a job
	"Notification": "xnet_helpdesk.overrides.notification.XnetNotification",
	# subjects keep their spaces when the message is folded for sending (outgoing/header_folding.py)
	"Email Queue": "xnet_helpdesk.overrides.email_queue.XnetEmailQueue",
}

# E-mails: Notifications call these to render the Email Template in the recipient's language
jinja = {
	"methods": [
		"xnet_helpdesk.outgoing.mail_templates.xnet_mail_subject",
		"xnet_helpdesk.outgoing.mail_templates.xnet_mail_body",
		"xnet_helpdesk.links.incident_links.portal_link",
		"xnet_helpdesk.support_line.support_line_text",
	]
}
make_email_body_message = "xnet_helpdesk.outgoing.mail_templates.mark_outgoing"

# Scheduled tasks
# ---------------
scheduler_events = {
	"cron": {
		# incident e-mails whose after-commit job was lost (normally sent within seconds)
		# and e-mails left "Sending" by a sender that died mid-send (a killed worker)
		"* * * * *": [
			"xnet_helpdesk.outgoing.outbox.deliver_stale",
			"xnet_helpdesk.outgoing.prompt.release_stuck",
			# the support mailbox every minute (Frappe 15 pulls every 10 minutes)
			"xnet_helpdesk.overrides.email_account.pull_every_minute",
		],
		# incidents nobody was free for; also enqueued when an engineer becomes free
		"*/5 * * * *": [
			"xnet_helpdesk.assignment.jobs.retry_waiting",
			"xnet_helpdesk.sla.service.check_agreements",
			# on-site directory agents silent longer than their interval: the Helpdesk Managers are told once
			"xnet_helpdesk.directory.agents.check_silent_agents",
		],
	},
	"hourly": [
		"xnet_helpdesk.outages.fanout.resume_unfinished_resolutions",
		# enqueues each directory source whose daily or hourly sync is due (run on the long queue)
		"xnet_helpdesk.directory.sync.enqueue_due_syncs",
	],
	"daily": [
		"xnet_helpdesk.assignment.load.recount_open_load",
		"xnet_helpdesk.incident_flow.auto_close.close_quiet_resolved_incidents",
		# calls older than Helpdesk Settings' Keep Calls (Days)
		"xnet_helpdesk.telephony.callbacks.purge_old_calls",
	],
}

# Translations are in translations/<lang>.csv; kk (Kazakh) is added as a Language on install.

# Client portal (www/support/): its signed links are built by portal_link (also a Jinja method, above);
# its fixed paths take a short way through the website router (see portal/routing.py)
website_path_resolver = ["xnet_helpdesk.portal.routing.resolve_path"]
page_renderer = ["xnet_helpdesk.portal.routing.PortalPage"]
# the client's address for the per-IP limits: X-Forwarded-For only from the proxies in site config
# (`xnet_trusted_proxies`, see portal/client_address.py); first, so every later step sees it
before_request = [
	"xnet_helpdesk.portal.request_ip.set_request_ip",
	"xnet_helpdesk.portal.routing.serve_cached_lookup_page",
	# /scim/v2/: SCIM 2.0 provisioning, answered by the hook itself (scim/router.py)
	"xnet_helpdesk.scim.router.handle",
]
# /scim/v2/: a body Frappe cannot parse as JSON still gets a SCIM error body (scim/router.py)
after_request = ["xnet_helpdesk.scim.router.repair_error"]
