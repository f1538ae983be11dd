"""Subjects that keep their spaces.

Python's e-mail package (3.11 here; fixed upstream only in 2026, CPython gh-144156) can drop the space
between two encoded words when it folds an unstructured header: the engineer's "Вам назначен инцидент
INC-2026-00040: Установить Adobe Photoshop на рабочий компьютер" reaches every mail program as
"…Adobe Photoshopна рабочий…", and "…до филиала, нужен доступ…" as "…до филиала,нужен доступ…". Every e-mail
Frappe sends goes through that folding (policy.SMTP); Russian and Kazakh subjects with a Latin word or an
incident number in them are the ones it hits.

Once installed, a folded unstructured header (Subject, the X- headers) is read back as a mail program reads
it; one that does not read back as its value is folded again as consecutive RFC 2047 encoded words that carry
their own spaces (`email.header.Header`), which reads back exactly. A header that reads back (nearly all) is
left byte for byte as Python folds it.

Frappe stores a queued message with its headers unfolded (no line limit) and folds them when it sends: it
parses the stored message and writes it again (EmailQueue.send). So it is installed there, by the Email
Queue controller (overrides/email_queue.py), for the whole process, once.
"""

import re
import threading
from email.header import Header
from email.headerregistry import UnstructuredHeader
from email.policy import EmailPolicy

# two encoded words with only folding white space between them: the only place a decoder drops a space
_ADJACENT_WORDS = re.compile(r"\?=[ \t\r\n]+=\?")
_original_fold = None
_lock = threading.Lock()


def install() -> None:
	global _original_fold
	if _original_fold is not None:
		return
	with _lock:
		if _original_fold is None:
			_install()


def _install() -> None:
	global _original_fold
	_original_fold = fold = EmailPolicy.fold

	def fold_keeping_spaces(self, name, value):
		folded = fold(self, name, value)
		if not _ADJACENT_WORDS.search(folded):
			return folded
		# a header object (a message being built) or its source text (a message parsed again to be sent)
		header = (
			value if hasattr(value, "name") else self.header_factory(name, "".join(str(value).splitlines()))
		)
		if not isinstance(header, UnstructuredHeader):
			return folded
		text = str(header)
		if read_back(self, name, folded) == text:
			return folded
		refolded = encoded_words(self, name, text)
		return refolded if read_back(self, name, refolded) == text else folded

	EmailPolicy.fold = fold_keeping_spaces


def uninstall() -> None:
	"""For tests: Python's own folding again."""
	global _original_fold
	if _original_fold is not None:
		EmailPolicy.fold, _original_fold = _original_fold, None


def read_back(policy, name: str, folded: str) -> str:
	"""The header's value as a mail program shows it: unfolded, its encoded words decoded."""
	raw = folded.split(":", 1)[1].lstrip(" \t\r\n")
	return str(policy.header_fetch_parse(name, raw.rstrip("\r\n")))


def encoded_words(policy, name: str, text: str) -> str:
	"""The header as UTF-8 encoded words, each holding its own spaces, folded to the policy's line length."""
	maxlen = policy.max_line_length or 78
	body = Header(text, "utf-8", maxlinelen=maxlen, header_name=name).encode(linesep=policy.linesep)
	return f"{name}: {body}{policy.linesep}"
