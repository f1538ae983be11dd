"""Every user-facing string of the app has a Russian and a Kazakh translation.

The strings are collected from the source tree the way Frappe shows them: doctype names, labels, select
options and descriptions; workspace, number card, chart, report and page titles; workflow states and actions; roles and
custom fields created on install; _() in Python and Jinja, __() in JavaScript. Pure Python: no site needed.

A doctype's labels are looked up with the doctype as context (`source,translation,Doctype Name` rows), so a
generic word such as "From" can be translated for one doctype without changing it all over Frappe.
"""

import ast
import csv
import json
import re
from functools import cache
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "xnet_helpdesk"
TRANSLATIONS = APP / "translations"
LANGUAGES = ("ru", "kk")
SKIPPED_DIRS = {"node_modules", "dist", "__pycache__", "translations"}
# strings that are the same in every language (codes, product names)
UNTRANSLATED = {"API"}
# Select options that are codes, not words
CODE_SELECTS = {"naming_series"}
# the calls whose first argument is a message template, translated where it is shown
MESSAGE_CALLS = {"_", "Violation"}
PLACEHOLDER = re.compile(r"\{\d*\}")
JS_CALL = re.compile(r"""(?<![\w.$])__\(\s*(?P<q>["'])(?P<text>(?:\\.|(?!(?P=q)).)*)(?P=q)""", re.S)
JINJA_CALL = re.compile(r"""(?<![\w.])_\(\s*(?P<q>["'])(?P<text>(?:\\.|(?!(?P=q)).)*)(?P=q)""", re.S)
HTML_TAG = re.compile(r"<[^>]+>")


def source_files(*suffixes):
	for path in sorted(APP.rglob("*")):
		if path.suffix in suffixes and path.is_file() and not SKIPPED_DIRS & set(path.parts):
			yield path


def unescape_js(text: str) -> str:
	return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


# --- where the strings are -------------------------------------------------------------------------
# each extractor yields (text, context); context is the doctype for a doctype's own labels, else ""


def from_doctype(doc: dict):
	yield doc["name"], ""
	context = doc["name"]
	for field in doc.get("fields", []):
		yield field.get("label"), context
		yield field.get("description"), context
		if field.get("fieldtype") == "Select" and field["fieldname"] not in CODE_SELECTS:
			for option in (field.get("options") or "").split("\n"):
				yield option, context
	for group in ("actions", "links"):
		for row in doc.get(group, []):
			yield row.get("label") or row.get("group"), context


def from_workspace(doc: dict):
	yield doc.get("label"), ""
	yield doc.get("title"), ""
	for row in doc.get("shortcuts", []):
		yield row.get("label"), ""
		yield row.get("format"), ""
	for row in doc.get("links", []):
		yield row.get("label"), ""
	for group in ("charts", "number_cards", "quick_lists"):
		for row in doc.get(group, []):
			yield row.get("label"), ""
	for block in json.loads(doc.get("content") or "[]"):
		if block["type"] in ("header", "paragraph"):
			yield HTML_TAG.sub("", block["data"].get("text", "")).replace("&amp;", "&"), ""


def from_json_records():
	for path in source_files(".json"):
		doc = json.loads(path.read_text())
		kind = doc.get("doctype") if isinstance(doc, dict) else None
		if kind == "DocType":
			found = from_doctype(doc)
		elif kind == "Workspace":
			found = from_workspace(doc)
		elif kind == "Number Card":
			found = [(doc.get("label"), "")]
		elif kind == "Dashboard Chart":
			found = [(doc.get("chart_name"), "")]
		elif kind == "Report":
			found = [(doc.get("name"), "")] + [(c.get("label"), "") for c in doc.get("columns", [])]
		elif kind == "Page":
			found = [(doc.get("title"), "")]
		else:
			continue
		for text, context in found:
			yield text, context, path


def assigned(tree: ast.Module, name: str) -> ast.expr | None:
	"""The value node of a module-level `name = ...`"""
	for node in tree.body:
		if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
			return node.value
		if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == name:
			return node.value
	return None


@cache
def shared_names() -> dict[str, str]:
	"""The names xnet_helpdesk/consts.py gives its strings (role names), for records that use them."""
	tree = ast.parse((APP / "consts.py").read_text())
	return {
		node.targets[0].id: node.value.value
		for node in tree.body
		if isinstance(node, ast.Assign)
		and isinstance(node.targets[0], ast.Name)
		and isinstance(node.value, ast.Constant)
		and isinstance(node.value.value, str)
	}


def text_of(node) -> str | None:
	if isinstance(node, ast.Name):
		return shared_names().get(node.id)
	return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def from_install_records(tree: ast.Module):
	"""Records created on install rather than shipped as JSON: workflow, roles, custom fields, kanban."""
	states = assigned(tree, "STATES")
	for row in getattr(states, "elts", []):
		yield text_of(row.elts[0]) if isinstance(row, ast.Tuple) else text_of(row)
	for action in getattr(assigned(tree, "ACTIONS"), "elts", []):
		yield text_of(action)
	for role in getattr(assigned(tree, "ROLES"), "keys", []):
		yield text_of(role)
	custom_fields = assigned(tree, "CUSTOM_FIELDS")
	for node in ast.walk(custom_fields) if custom_fields else ():
		if isinstance(node, ast.Dict):
			for key, value in zip(node.keys, node.values, strict=True):
				if text_of(key) in ("label", "description"):
					yield text_of(value)
	yield text_of(assigned(tree, "KANBAN_BOARD_NAME"))


def from_python():
	for path in source_files(".py"):
		tree = ast.parse(path.read_text(), filename=str(path))
		for node in ast.walk(tree):
			if isinstance(node, ast.Call) and getattr(node.func, "id", None) in MESSAGE_CALLS and node.args:
				yield text_of(node.args[0]), "", path
		for text in from_install_records(tree):
			yield text, "", path


def from_templates():
	for path in source_files(".js"):
		for match in JS_CALL.finditer(path.read_text()):
			yield unescape_js(match.group("text")), "", path
	for path in source_files(".html"):
		for match in JINJA_CALL.finditer(path.read_text()):
			yield unescape_js(match.group("text")), "", path


@cache
def app_strings() -> dict[tuple[str, str], str]:
	"""(source string, context) -> the file it first came from"""
	found = {}
	for text, context, path in [*from_json_records(), *from_python(), *from_templates()]:
		if isinstance(text, str) and text.strip() and text not in UNTRANSLATED:
			found.setdefault((text, context), str(path.relative_to(APP.parent)))
	return found


# --- the translation files -------------------------------------------------------------------------


@cache
def rows(language: str) -> tuple:
	path = TRANSLATIONS / f"{language}.csv"
	if not path.exists():
		return ()
	with path.open(newline="", encoding="utf-8") as f:
		found = list(csv.reader(f))
	for number, row in enumerate(found, 1):
		assert len(row) in (2, 3), f"{path.name}:{number}: expected source,translation,context; got {row}"
	return tuple((row[0], row[1], row[2] if len(row) == 3 else "") for row in found)


@cache
def translations(language: str) -> dict[tuple[str, str], str]:
	table = {}
	for source, target, context in rows(language):
		assert (source, context) not in table, f"{language}.csv: {source!r} ({context}) is translated twice"
		table[source, context] = target
	return table


def is_translated(table: dict, text: str, context: str) -> bool:
	# as frappe._ does: the row for the context first, else the one without context
	return bool(table.get((text, context), "").strip() or table.get((text, ""), "").strip())


# --- tests -----------------------------------------------------------------------------------------


def test_the_extractor_finds_strings_of_every_kind():
	found = {text for text, _context in app_strings()}
	for text in (
		"Incident",  # doctype
		"Planned Resolution Time",  # label
		"Awaiting Client",  # select option and workflow state
		"Take into Work",  # workflow action
		"Open Incidents",  # number card
		"Open Incidents by Service Center",  # chart
		"Your Shortcuts",  # workspace header
		"Helpdesk Operator",  # role
		"Company Representative",  # custom field
		"A reason is required to cancel the incident",  # lifecycle message
		"Why is the incident reopened?",  # JavaScript
	):
		assert text in found, text


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated(language):
	table = translations(language)
	missing = sorted(
		(text, context, origin)
		for (text, context), origin in app_strings().items()
		if not is_translated(table, text, context)
	)
	listing = "\n".join(f"  {text!r}  ({origin})" for text, _context, origin in missing)
	assert not missing, f"{len(missing)} strings missing from translations/{language}.csv:\n{listing}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_placeholders(language):
	wrong = [
		f"  {source!r} -> {target!r}"
		for source, target, _context in rows(language)
		if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(target))
	]
	assert not wrong, "placeholders differ:\n" + "\n".join(wrong)
