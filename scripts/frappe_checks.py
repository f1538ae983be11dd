#!/usr/bin/env python3
"""The Frappe-specific rules of the lint gate, which ruff does not know (semgrep's Frappe rules need GitHub).

	python3 scripts/frappe_checks.py [paths...]      (default: the app's package, xnet_helpdesk/)

Prints one line per finding (path:line:col: CODE message) and exits 1 when there is any. The rules:

XNL001  SQL built by string formatting. The query of frappe.db.sql / sql_list / multisql is an f-string, a
        `%` or `+` expression, or a `.format()` call (directly, or through a variable the same function
        assigned so). Values go in as parameters (`%(name)s` with a dict, `%s` with a tuple) or the query is
        built with frappe.qb.
XNL002  frappe.db.commit() in a request path: in a whitelisted function, in a page's module (www/), or in a
        document's validate/before_*/on_*/after_* method. Frappe commits at the end of the request, and a
        commit in between makes a half-done request permanent. Allowed where the same line carries a comment
        saying why.
XNL003  A message shown to a user (frappe.throw / frappe.msgprint, their `title=`) given as a bare string or
        f-string: it cannot be translated. Wrap it: _("... {0}").format(value).
XNL004  _() given a text built inside it (an f-string, a `.format()`, `%` or `+`): the translation is looked up
        by the finished text, so it is never found. Format after: _("... {0}").format(value). (_() of a
        variable is fine: labels and states are translated by their value.)
XNL005  Database access at import time (frappe.db.*, frappe.get_doc, frappe.get_all, ... at a module's top
        level): a module is imported before a site is connected, and by every process.
XNL006  A whitelisted function (an endpoint) with an argument that has no type annotation: Frappe v15 checks
        the annotated types at the call and refuses a wrong one by name (417), so every argument gets one.

A line can opt out of one rule with a comment `# noqa: XNL00N` and a reason (ruff knows the XNL prefix as
external, see pyproject.toml).
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

SQL_FUNCTIONS = {"sql", "sql_list", "multisql", "sql_ddl"}
MESSAGE_FUNCTIONS = {"throw", "msgprint"}
DB_AT_IMPORT = {
	"get_doc",
	"get_all",
	"get_list",
	"get_value",
	"get_single_value",
	"get_cached_doc",
	"new_doc",
}
REQUEST_METHOD = re.compile(r"^(validate|before_\w+|on_\w+|after_\w+)$")
NOQA = re.compile(r"#\s*noqa:\s*([A-Z0-9, ]+)")


@dataclass(frozen=True)
class Finding:
	path: str
	line: int
	col: int
	code: str
	message: str

	def __str__(self) -> str:
		return f"{self.path}:{self.line}:{self.col}: {self.code} {self.message}"


def _dotted(node: ast.AST) -> str:
	"""frappe.db.sql for an Attribute chain, "" for anything else."""
	parts = []
	while isinstance(node, ast.Attribute):
		parts.append(node.attr)
		node = node.value
	if isinstance(node, ast.Name):
		parts.append(node.id)
		return ".".join(reversed(parts))
	return ""


def _is_formatting(node: ast.AST | None) -> bool:
	if isinstance(node, ast.JoinedStr):
		return any(isinstance(value, ast.FormattedValue) for value in node.values)
	if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
		return True
	return (
		isinstance(node, ast.Call)
		and isinstance(node.func, ast.Attribute)
		and node.func.attr == "format"
		and isinstance(node.func.value, ast.Constant | ast.JoinedStr | ast.Name)
	)


def _is_translated(node: ast.AST) -> bool:
	"""_("..."), _("...").format(...), or the same with `%`."""
	if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_":
		return True
	if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
		return _is_translated(node.func.value)
	if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
		return _is_translated(node.left)
	return False


def _is_bare_text(node: ast.AST) -> bool:
	if isinstance(node, ast.Constant) and isinstance(node.value, str):
		return bool(node.value.strip())
	if isinstance(node, ast.JoinedStr):
		return True
	if _is_formatting(node) and not _is_translated(node):
		inner = node.func.value if isinstance(node, ast.Call) else getattr(node, "left", None)
		return isinstance(inner, ast.Constant | ast.JoinedStr)
	return False


def _whitelisted(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
	for decorator in function.decorator_list:
		target = decorator.func if isinstance(decorator, ast.Call) else decorator
		if _dotted(target) in ("frappe.whitelist", "whitelist"):
			return True
	return False


class _Checker(ast.NodeVisitor):
	def __init__(self, path: str, lines: list[str]):
		self.path = path
		self.lines = lines
		self.findings: list[Finding] = []
		self.in_page = "/www/" in f"/{path}"
		self.functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
		self.request_depth = 0
		self.classes: list[ast.ClassDef] = []

	def report(self, node: ast.AST, code: str, message: str) -> None:
		line = self.lines[node.lineno - 1] if node.lineno <= len(self.lines) else ""
		allowed = NOQA.search(line)
		if allowed and code in {part.strip() for part in allowed.group(1).split(",")}:
			return
		self.findings.append(Finding(self.path, node.lineno, node.col_offset + 1, code, message))

	# --- scopes
	def visit_ClassDef(self, node: ast.ClassDef) -> None:
		self.classes.append(node)
		self.generic_visit(node)
		self.classes.pop()

	def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
		if _whitelisted(node):
			for argument in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
				if argument.annotation is None and argument.arg not in ("self", "cls"):
					self.report(
						argument,
						"XNL006",
						f"whitelisted `{node.name}`: `{argument.arg}` has no type annotation",
					)
		is_request = _whitelisted(node) or (bool(self.classes) and bool(REQUEST_METHOD.match(node.name)))
		self.functions.append(node)
		self.request_depth += is_request
		self.generic_visit(node)
		self.request_depth -= is_request
		self.functions.pop()

	visit_AsyncFunctionDef = visit_FunctionDef

	# --- calls
	def visit_Call(self, node: ast.Call) -> None:
		name = _dotted(node.func)
		last = name.rsplit(".", 1)[-1]
		if name.startswith("frappe.db.") and last in SQL_FUNCTIONS and node.args:
			self._check_sql(node, node.args[0])
		if name == "frappe.db.commit":
			self._check_commit(node)
		if name in {f"frappe.{function}" for function in MESSAGE_FUNCTIONS}:
			self._check_message(node)
		if name == "_":
			self._check_translation(node)
		if not self.functions and not self.classes and self._touches_db(name):
			self.report(node, "XNL005", f"{name}() at import time: call it inside a function")
		self.generic_visit(node)

	def _touches_db(self, name: str) -> bool:
		return name.startswith("frappe.db.") or name in {f"frappe.{function}" for function in DB_AT_IMPORT}

	def _check_sql(self, node: ast.Call, query: ast.AST) -> None:
		if _is_formatting(query):
			self.report(node, "XNL001", "SQL built by string formatting: pass the values as parameters")
		elif isinstance(query, ast.Name) and self.functions:
			for assigned in ast.walk(self.functions[-1]):
				if (
					isinstance(assigned, ast.Assign | ast.AugAssign | ast.AnnAssign)
					and any(_dotted(target) == query.id for target in _targets(assigned))
					and (isinstance(assigned, ast.AugAssign) or _is_formatting(assigned.value))
				):
					self.report(
						node,
						"XNL001",
						f"SQL built by string formatting (in `{query.id}`): pass the values as parameters",
					)
					return

	def _check_commit(self, node: ast.Call) -> None:
		if not (self.request_depth or self.in_page):
			return
		line = self.lines[node.lineno - 1]
		if "#" in line[node.end_col_offset :]:
			return
		self.report(
			node, "XNL002", "frappe.db.commit() in a request path: Frappe commits when the request ends"
		)

	def _check_message(self, node: ast.Call) -> None:
		title_at = 1 if _dotted(node.func) == "frappe.msgprint" else 2  # throw(msg, exc, title)
		texts = list(node.args[:1]) + list(node.args[title_at : title_at + 1])
		texts += [keyword.value for keyword in node.keywords if keyword.arg in ("msg", "title")]
		for text in texts:
			if _is_bare_text(text):
				self.report(text, "XNL003", "a message shown to a user is not translated: wrap it in _()")

	def _check_translation(self, node: ast.Call) -> None:
		if not node.args:
			return
		if _is_formatting(node.args[0]):
			self.report(node, "XNL004", "_() of a text built inside it is never translated: format after _()")


def _targets(node: ast.Assign | ast.AugAssign | ast.AnnAssign) -> list[ast.AST]:
	return list(node.targets) if isinstance(node, ast.Assign) else [node.target]


def check_source(source: str, path: str = "<string>") -> list[Finding]:
	tree = ast.parse(source, filename=path)
	checker = _Checker(path, source.splitlines())
	checker.visit(tree)
	return checker.findings


def python_files(paths: Iterable[str]) -> Iterator[Path]:
	for path in map(Path, paths):
		if path.is_dir():
			yield from sorted(file for file in path.rglob("*.py") if "node_modules" not in file.parts)
		elif path.suffix == ".py":
			yield path


def main(argv: list[str]) -> int:
	root = Path(__file__).resolve().parent.parent
	paths = argv or [str(root / "xnet_helpdesk")]
	findings = []
	for file in python_files(paths):
		shown = file.resolve().relative_to(root) if file.resolve().is_relative_to(root) else file
		findings += check_source(file.read_text(encoding="utf-8"), str(shown))
	for finding in findings:
		print(finding)
	if findings:
		print(f"{len(findings)} Frappe rule finding(s); the rules are described in scripts/frappe_checks.py")
	return 1 if findings else 0


if __name__ == "__main__":
	sys.exit(main(sys.argv[1:]))
