def get_context(context):
	# the template reads everything from doc
	pass
