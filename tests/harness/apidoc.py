"""Reads docs/api.md for its tests: the curl examples with the replies the document shows, and its field tables.
No Frappe imports: the tables are checked by pure tests, the examples by a site test that runs them.

An example is a fenced ```bash block right after a marker line

    <!-- example: NAME [VAR=json.path ...] -->

and the ```http block that follows it is the reply of its last curl call: the status line, a blank line, the
JSON body. `VAR=json.path` hands a value of the real reply to the examples after it (e.g. the number of an
incident just registered). The ```bash block marked `<!-- setup -->` names the variables with example values.

A documented reply is abbreviated: the real one may carry more keys. Values are compared as written, except
- a string ending in "…" stands for any string that starts with what comes before it;
- timestamps, dates, incident and problem numbers, hashes and tokens stand for any value of the same shape;
- values that depend on who and what the site holds (names, e-mails, phones) stand for any string;
- a list ending in "…" stands for a list that starts with the items before it;
- `_server_messages` and `exc` (JSON inside a string) are compared decoded.
"""

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

MARKER = re.compile(r"^<!--\s*example:\s*(?P<name>[\w-]+)(?P<sets>(?:\s+[A-Z_]+=[\w.]+)*)\s*-->\s*$")
SETUP_MARKER = re.compile(r"^<!--\s*setup\s*-->\s*$")
FENCE = re.compile(r"^```(?P<lang>\w*)\s*$")
STATUS_LINE = re.compile(r"^HTTP/[\d.]+ (?P<code>\d{3})\b")
ELLIPSIS = "…"

SHAPES = [
	re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$"),  # Frappe datetime
	re.compile(r"^\d{4}-\d{2}-\d{2}$"),  # date
	re.compile(r"^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}$"),  # the portal's dd.MM.yyyy HH:mm
	re.compile(r"^INC-\d{4}-\d{5}$"),
	re.compile(r"^GP-\d{4}-\d{4}$"),
	re.compile(r"^[0-9a-f]{10,64}$"),  # hashes (row names, exception ids, API keys)
	re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$"),  # a signed portal token
]
# keys whose values are the site's own data: any string (or null) of the real reply is right
SITE_VALUES = frozenset(
	{
		"owner",
		"modified_by",
		"contact_name",
		"contact_phone",
		"contact_email",
		"engineer_name",
		"center_manager",
		"full_name",
		"email",
		"phone",
		"sla_policy",
		"home_page",
	}
)
# the same for single places: the portal lookup shows the engineer's first name
SITE_PATHS = frozenset({"reply.message.engineer"})
DECODED = frozenset({"_server_messages", "exc"})


@dataclass
class Example:
	name: str
	line: int
	script: str
	sets: dict = field(default_factory=dict)
	status: int | None = None
	reply: object = None
	reply_text: str = ""


@dataclass
class Doc:
	setup: dict
	examples: list
	unmarked: list  # line numbers of curl blocks that are not examples


def parse(path: Path) -> Doc:
	lines = path.read_text(encoding="utf-8").splitlines()
	examples, unmarked, setup = [], [], {}
	pending, setup_next = None, False
	i = 0
	while i < len(lines):
		line = lines[i]
		marker = MARKER.match(line.strip())
		if marker:
			sets = dict(item.split("=", 1) for item in marker.group("sets").split())
			pending = Example(name=marker.group("name"), line=i + 1, script="", sets=sets)
			i += 1
			continue
		if SETUP_MARKER.match(line.strip()):
			setup_next = True
			i += 1
			continue
		fence = FENCE.match(line)
		if not fence:
			i += 1
			continue
		lang, start = fence.group("lang"), i + 1
		i += 1
		while i < len(lines) and not lines[i].startswith("```"):
			i += 1
		body = "\n".join(lines[start:i])
		i += 1
		if lang == "bash" and setup_next:
			setup = parse_setup(body)
			setup_next = False
		elif lang == "bash" and pending and not pending.script:
			pending.script = body
			examples.append(pending)
		elif lang == "bash" and "curl " in body:
			unmarked.append(start)
		elif lang == "http" and pending and pending.script and pending.status is None:
			pending.status, pending.reply, pending.reply_text = parse_reply(body)
			pending = None
	return Doc(setup=setup, examples=examples, unmarked=unmarked)


def parse_setup(body: str) -> dict:
	values = {}
	for line in body.splitlines():
		words = shlex.split(line, comments=True)
		for word in words:
			if "=" in word and re.match(r"^[A-Z_]+=", word):
				name, value = word.split("=", 1)
				values[name] = value
	return values


def parse_reply(body: str):
	head, _, rest = body.partition("\n\n")
	status = STATUS_LINE.match(head.strip())
	if not status:
		raise ValueError(f"a reply starts with a status line such as 'HTTP/1.1 200 OK', not {head!r}")
	rest = rest.strip()
	try:
		reply = json.loads(rest) if rest else None
	except json.JSONDecodeError as error:
		raise ValueError(f"the documented reply is not JSON: {error}\n{rest}")
	return int(status.group("code")), reply, rest


def value_at(data, path: str):
	for key in path.split("."):
		data = data[int(key)] if isinstance(data, list) else data[key]
	return data


# --- comparing a documented reply with the real one -----------------------------------------------


def substitute(value, replacements: dict):
	"""The documented example values (an incident number, a company) replaced by the ones of this run."""
	if isinstance(value, str):
		# one pass, longest first: a value of this run may contain another documented one
		documented = sorted((key for key in replacements if key), key=len, reverse=True)
		if not documented:
			return value
		pattern = re.compile("|".join(re.escape(key) for key in documented))
		return pattern.sub(lambda found: replacements[found.group(0)], value)
	if isinstance(value, list):
		return [substitute(item, replacements) for item in value]
	if isinstance(value, dict):
		return {key: substitute(item, replacements) for key, item in value.items()}
	return value


def _decoded(value):
	"""Frappe's JSON inside JSON strings (`_server_messages`), decoded all the way down."""
	if isinstance(value, str):
		try:
			parsed = json.loads(value)
		except (json.JSONDecodeError, TypeError):
			return value
		return _decoded(parsed) if isinstance(parsed, list | dict | str) else parsed
	if isinstance(value, list):
		return [_decoded(item) for item in value]
	if isinstance(value, dict):
		return {key: _decoded(item) for key, item in value.items()}
	return value


def mismatches(documented, actual, path: str = "", key: str | None = None) -> list[str]:
	"""Where the real reply differs from the documented one (empty when it matches)."""
	where = path or "reply"
	if key in DECODED:
		documented, actual = _decoded(documented), _decoded(actual)
	if isinstance(documented, dict):
		if not isinstance(actual, dict):
			return [f"{where}: expected an object, got {actual!r}"]
		problems = []
		for name, value in documented.items():
			if name not in actual:
				problems.append(f"{where}.{name}: missing (the reply has {sorted(actual)})")
				continue
			problems += mismatches(value, actual[name], f"{where}.{name}", name)
		return problems
	if isinstance(documented, list):
		if not isinstance(actual, list):
			return [f"{where}: expected a list, got {actual!r}"]
		prefix = bool(documented) and documented[-1] == ELLIPSIS
		items = documented[:-1] if prefix else documented
		if len(actual) < len(items) or (not prefix and len(actual) != len(items)):
			return [
				f"{where}: expected {len(items)}{'+' if prefix else ''} items, got {len(actual)}: {actual!r}"
			]
		problems = []
		for index, item in enumerate(items):
			problems += mismatches(item, actual[index], f"{where}[{index}]", key)
		return problems
	if isinstance(documented, str):
		if (key in SITE_VALUES or where in SITE_PATHS) and (actual is None or isinstance(actual, str)):
			return []
		if not isinstance(actual, str):
			return [f"{where}: expected a string like {documented!r}, got {actual!r}"]
		if documented.endswith(ELLIPSIS):
			start = documented[: -len(ELLIPSIS)]
			return [] if actual.startswith(start) else [f"{where}: expected {documented!r}, got {actual!r}"]
		if documented == actual:
			return []
		for shape in SHAPES:
			if shape.match(documented):
				return (
					[]
					if shape.match(actual)
					else [f"{where}: expected the shape of {documented!r}, got {actual!r}"]
				)
		return [f"{where}: expected {documented!r}, got {actual!r}"]
	if documented is None and key in SITE_VALUES:
		return []
	if documented != actual or type(documented) is not type(actual):
		return [f"{where}: expected {documented!r}, got {actual!r}"]
	return []


# --- the field tables -----------------------------------------------------------------------------

LAYOUT_TYPES = frozenset({"Section Break", "Column Break", "Tab Break", "HTML", "Button", "Heading", "Fold"})


def table_after(path: Path, heading: str) -> list[dict]:
	"""The first Markdown table under a heading, as rows of {column header: cell text}."""
	lines = path.read_text(encoding="utf-8").splitlines()
	try:
		start = next(
			i for i, line in enumerate(lines) if line.lstrip("#").strip() == heading and line.startswith("#")
		)
	except StopIteration:
		raise AssertionError(f"docs/api.md has no heading {heading!r}")
	rows, header = [], None
	for line in lines[start + 1 :]:
		if line.startswith("#"):
			break
		if not line.startswith("|"):
			if header:
				break
			continue
		cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
		if header is None:
			header = [cell.strip("`* ") for cell in cells]
		elif set(line.replace("|", "").strip()) <= set("-: "):
			continue
		else:
			rows.append(dict(zip(header, cells, strict=False)))
	return rows


def code(cell: str) -> str:
	"""`fieldname` -> fieldname."""
	return cell.strip().strip("`").strip()


def doctype_fields(doctype_json: Path) -> list[dict]:
	meta = json.loads(doctype_json.read_text(encoding="utf-8"))
	return [f for f in meta["fields"] if f.get("fieldtype") not in LAYOUT_TYPES]


def type_cell(df: dict) -> str:
	"""How the tables write a field's type: Link and Table fields with their target doctype."""
	if df["fieldtype"] in ("Link", "Table", "Table MultiSelect"):
		return f"{df['fieldtype']} → {df['options']}"
	return df["fieldtype"]
