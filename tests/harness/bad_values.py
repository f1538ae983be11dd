"""Hypothesis strategies for what an attacker or a broken client sends: huge strings, control characters
and NUL, mixed scripts, HTML/JS, and values of the wrong type. Pure (no Frappe), for unit and site tests.

Examples are few and derandomized (the same inputs on every run and in CI); deadline=None because the site
tests go through a real web server on a shared machine."""

import re

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ = settings(
	max_examples=25,
	deadline=None,
	derandomize=True,
	suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
	database=None,
)

MARKUP = [
	"<script>alert(1)</script>",
	"<img src=x onerror=alert(1)>",
	"&lt;script&gt;alert(1)&lt;/script&gt;",
	'"><svg onload=alert(1)>',
	"<a href='javascript:alert(1)'>x</a>",
	"<iframe src=//evil.example></iframe>",
	"{{ frappe.db.sql('select 1') }}",
	"{% for x in range(9) %}x{% endfor %}",
	"' OR 1=1 -- ",
	"%(name)s %s {0}",
	"Ж\u202eexe.txt",
	"a\u0000b",
	"\r\nBcc: victim@example.com",
]
SCRIPTS = "Жжқәіңғүұөһ漢字한글العربيةעבריתΕλληνικάदेवनागरी😀🇰🇿"

control = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x9F), min_size=1, max_size=40)
mixed = st.text(alphabet=st.characters(exclude_categories=("Cs",)), min_size=1, max_size=120)
scripts = st.text(alphabet=st.sampled_from(SCRIPTS + "ab <>&\"'/"), min_size=1, max_size=80)
huge = st.builds(
	lambda chunk, times: chunk * times,
	st.sampled_from(["Ж", "a", "<b>", "\u0000", "😀", "9", "<script>"]),
	st.integers(3_000, 40_000),
)
markup = st.builds(
	lambda a, b, c: a + b + c, mixed | st.just(""), st.sampled_from(MARKUP), scripts | st.just("")
)
bad_text = st.one_of(st.sampled_from(MARKUP), markup, control, mixed, scripts, huge)
wrong_type = st.one_of(
	st.none(),
	st.booleans(),
	st.integers(min_value=-(2**63), max_value=2**63),
	st.floats(allow_nan=False, allow_infinity=False),
	st.lists(st.text(max_size=5) | st.integers(), max_size=3),
	st.dictionaries(st.text(max_size=5), st.text(max_size=5) | st.integers(), max_size=3),
)
bad_value = st.one_of(bad_text, wrong_type)

# markup that would run if a page printed it as it is
ACTIVE_MARKUP = re.compile(
	r"<\s*(script|iframe|object|embed)\b|<[^>]*\son\w+\s*=|<[^>]*(href|src)\s*=\s*['\"]?\s*javascript:",
	re.IGNORECASE,
)


def active_markup(value) -> bool:
	return bool(ACTIVE_MARKUP.search(str(value or "")))
