"""Plain text from what clients type, and the excerpt an e-mail quotes (intake/text.py)."""

from xnet_helpdesk.intake.text import clean_text, excerpt


def test_a_short_description_is_quoted_whole_as_plain_text():
	assert excerpt("<p>Не печатает <b>принтер</b></p><p>HP 402 &amp; сканер</p>") == (
		"Не печатает принтер\nHP 402 & сканер",
		False,
	)


def test_a_long_description_is_cut_after_a_word_and_says_so():
	text, cut = excerpt("слово " * 100_000, limit=50)
	assert cut and text.endswith("…")
	assert len(text) <= 51 and text[:-1].split(" ")[-1] == "слово"


def test_a_word_longer_than_the_limit_is_cut_inside():
	text, cut = excerpt("x" * 5000, limit=100)
	assert cut and text == "x" * 100 + "…"


def test_many_lines_are_cut_to_the_line_limit():
	text, cut = excerpt("\n".join(f"line {n}" for n in range(50)), max_lines=3)
	assert cut and text == "line 0\nline 1\nline 2…"


def test_empty_lines_and_spaces_do_not_count():
	assert excerpt("<p>a</p><p>&nbsp;</p><p>   b   c </p>\n\n\n") == ("a\nb c", False)


def test_markup_never_survives():
	text, _ = excerpt('<img src=x onerror=alert(1)><a href="https://evil">click</a> &lt;script&gt;')
	assert "<" not in text.replace("<script>", "") and "click" in text


def test_clean_text_keeps_comparisons():
	assert clean_text("2 < 3 and 5 > 4") == "2 < 3 and 5 > 4"
