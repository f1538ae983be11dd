"""Every doctype controller carries Frappe's generated type block (hooks.py: export_python_type_annotations),
and the block names exactly the fields of the doctype's JSON, so editors and reviewers see the real fields.
When this fails after a JSON change: scripts/export-types."""

import json
import re
from pathlib import Path

import pytest

DOCTYPES = Path(__file__).resolve().parents[2] / "xnet_helpdesk" / "xnet_helpdesk" / "doctype"
NO_VALUE = {"Section Break", "Column Break", "Tab Break", "HTML", "Button", "Fold", "Heading", "Image"}
BLOCK = re.compile(r"# begin: auto-generated types(.*?)# end: auto-generated types", re.S)
FIELD = re.compile(r"^\t\t(\w+): DF\.", re.M)
STANDARD = {"parent", "parentfield", "parenttype"}  # a child table's, written by Frappe's exporter


def doctypes():
	return sorted(path.parent.name for path in DOCTYPES.glob("*/*.json") if path.stem == path.parent.name)


@pytest.mark.parametrize("name", doctypes())
def test_controller_types_are_the_doctypes_fields(name):
	meta = json.loads((DOCTYPES / name / f"{name}.json").read_text())
	block = BLOCK.search((DOCTYPES / name / f"{name}.py").read_text())
	assert block, f"{name}.py has no type block: run scripts/export-types"
	fields = {f["fieldname"] for f in meta["fields"] if f["fieldtype"] not in NO_VALUE}
	assert set(FIELD.findall(block.group(1))) - STANDARD == fields, "run scripts/export-types"
