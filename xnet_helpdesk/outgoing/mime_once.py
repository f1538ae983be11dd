"""The MIME work that is the same for every e-mail of a bulk job, done once.

Frappe builds each e-mail with Python's email package under policy.SMTP. That parses every header value it
is given into a header object (its address or structured-value grammar, in pure Python) and folds every
header again when the message is written. Most of an e-mail's ~20 headers are the same in every message a
job builds (the MIME parts' Content-Type, MIME-Version and transfer encoding, From, Reply-To, the site's
headers): inside `headers_parsed_once()` a header value seen before gets the header object parsed the
first time (they are immutable) and its folded form, so only the headers that differ (Subject, To, Date,
Message-Id, the boundaries) are parsed and folded per message. A part's boundary is still chosen at random
and checked against the part's text, with a substring test before the regular expression the email package
compiles for every boundary. The messages are byte for byte what the email package writes without it
(tests/unit/test_mime_once.py).
"""

from contextlib import contextmanager
from email.generator import Generator
from email.policy import EmailPolicy

MAX_ENTRIES = 20_000


def settings(policy) -> tuple:
	"""What a policy parses and folds by. Not the object: the generator folds with a clone of the message's
	policy made for each message it writes."""
	return (
		type(policy),
		tuple(
			sorted(
				(name, value if isinstance(value, str | int | bool | type(None)) else id(value))
				for name, value in vars(policy).items()
			)
		),
	)


@contextmanager
def headers_parsed_once():
	if getattr(EmailPolicy.header_store_parse, "xnet_once", False):  # already inside one
		yield
		return
	store, fold = EmailPolicy.header_store_parse, EmailPolicy.fold
	make_boundary = Generator.__dict__["_make_boundary"]
	parsed: dict = {}  # (policy settings, name, source value) -> (name, header object)
	ours: dict = {}  # id -> header object, for the objects in `parsed` (alive, so ids are not reused)
	folded: dict = {}  # (policy settings, name, id of one of ours) -> folded text

	def header_store_parse(self, name, value):
		if type(value) is not str:
			return store(self, name, value)
		key = (settings(self), name, value)
		found = parsed.get(key)
		if found is None:
			found = store(self, name, value)  # raises for what it refuses: never remembered
			if len(parsed) < MAX_ENTRIES:
				parsed[key] = found
				ours[id(found[1])] = found[1]
		return found

	def fold_once(self, name, value):
		if ours.get(id(value)) is not value:
			return fold(self, name, value)
		key = (settings(self), name, id(value))
		if key not in folded:
			folded[key] = fold(self, name, value)
		return folded[key]

	def boundary(cls, text=None):
		if not isinstance(text, str):
			return make_boundary.__func__(cls, text)
		chosen = make_boundary.__func__(cls)  # random, not checked yet
		# the email package's check looks for the boundary as a line of the text: absent as a substring,
		# it is absent as a line; present, the package's own loop chooses
		return chosen if "--" + chosen not in text else make_boundary.__func__(cls, text)

	header_store_parse.xnet_once = True
	EmailPolicy.header_store_parse, EmailPolicy.fold = header_store_parse, fold_once
	Generator._make_boundary = classmethod(boundary)
	try:
		yield
	finally:
		EmailPolicy.header_store_parse, EmailPolicy.fold = store, fold
		Generator._make_boundary = make_boundary
