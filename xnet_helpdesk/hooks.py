app_name = "xnet_helpdesk"
app_title = "XNet Helpdesk"
app_publisher = "XNet"
app_description = "Incident desk for a network of IT service centers"
app_email = "support@xnet.kz"
app_license = "mit"

# Install / uninstall
# ------------------
before_install = "xnet_helpdesk.setup.install.before_install"
after_install = "xnet_helpdesk.setup.install.after_install"
# creates what a newer version added (roles, workflow, custom fields, kanban); never overwrites
after_migrate = "xnet_helpdesk.setup.install.ensure_setup"
before_uninstall = "xnet_helpdesk.setup.uninstall.before_uninstall"

# Desk
# ----
# list colours, kanban and the operator's quick entry live beside the Incident doctype

# Permissions: one scope function feeds both the list condition and the document check
# ------------------------------------------------------------------------------------
permission_query_conditions = {
	"Incident": "xnet_helpdesk.permissions.scope.incident_query_conditions",
	"Engineer Rating": "xnet_helpdesk.permissions.scope.rating_query_conditions",
	"Support Engineer": "xnet_helpdesk.permissions.scope.engineer_query_conditions",
}
has_permission = {
	"Incident": "xnet_helpdesk.permissions.scope.incident_has_permission",
	"Engineer Rating": "xnet_helpdesk.permissions.scope.rating_has_permission",
	"Support Engineer": "xnet_helpdesk.permissions.scope.engineer_has_permission",
}

# Document events
# ---------------
_clear_scope = "xnet_helpdesk.permissions.scope.clear_scope_cache"
doc_events = {
	"Contact": {"on_update": _clear_scope, "on_trash": _clear_scope},
	"Support Engineer": {"on_update": _clear_scope, "on_trash": _clear_scope},
	"Service Center": {"on_update": _clear_scope},
	"User": {"on_update": _clear_scope},
}

# Scheduled tasks
# ---------------
scheduler_events = {}

# Translations are in translations/<lang>.csv; kk (Kazakh) is added as a Language on install.
