"""What a field of a document may hold when it arrives over REST or an import (pure: no Frappe).

A JSON body can bring any JSON value for any field. Frappe stores what it is given, so a list or an object
reaches the link checks (a dict becomes a query filter), the app's rules (.strip()) and SQL (500). A field
holds one value: text, a number, a date; a number sent for a text field is its digits."""

import datetime
from decimal import Decimal

NUMERIC = frozenset({"Int", "Float", "Currency", "Percent", "Check", "Rating", "Duration"})
SKIPPED = frozenset({"Table", "Table MultiSelect", "JSON", "Attach Image"})
SCALARS = (str, datetime.date, datetime.datetime, datetime.time, datetime.timedelta, Decimal)


class WrongType(ValueError):
	"""The value is a list, an object, or true/false where no checkbox is: `kind` says which."""

	def __init__(self, kind: str):
		self.kind = kind
		super().__init__(kind)


def kind_of(value) -> str:
	if isinstance(value, bool):
		return "true or false"
	if isinstance(value, dict):
		return "an object"
	return "a list"


def single_value(fieldtype: str, value):
	"""The value as the field stores it, or WrongType."""
	if fieldtype in SKIPPED or value is None or isinstance(value, SCALARS):
		return value
	if isinstance(value, bool):
		if fieldtype in NUMERIC:
			return int(value)
		raise WrongType(kind_of(value))
	if isinstance(value, int | float):
		return value if fieldtype in NUMERIC else str(value)
	raise WrongType(kind_of(value))
