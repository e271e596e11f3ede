"""Every page and PDF of the demo, walked as a resident and as staff, in Chinese: no internal
identifier and no English sentence reaches the reader.

The walk follows the links of the pages themselves (GET only, same site, bounded), so a new
page is scanned as soon as something links to it. Text is what a reader sees: the page's text
and the attributes read out to them (``title``, ``alt``, ``placeholder``, ``aria-label``); for
a PDF, what ``pdftotext`` extracts.
"""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from renovation.demo import load_demo
from renovation.vocabulary.labels import LABELS
from renovation.web import runtime
from tests.helpers import make_app, pdf_text, signed_in

MAX_PAGES = 400
# Three English words in a row is a sentence, or the start of one.
ENGLISH = re.compile(r"\b[A-Za-z][a-z]+(?:[ ,’'-]+[A-Za-z][a-z]+){2,}\b")
INTERNAL = [
    re.compile(r"\b[0-9a-f]{12,}\b"),  # event, round, opinion ids
    re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-"),  # project uuids
    re.compile(r"\buser:\w+"),  # actor ids
    re.compile(r"\b[a-z]+-\d{4}\b"),  # ruleset ids such as national-2021
    re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b"),  # codes: gates, stages, conditions
    re.compile(r"\bsystem\b"),
]
NOT_FOLLOWED = ("/logout", "/static/", "/api/", "/login")
# A PDF carries its proof on purpose: the project number and the digest of the event chain it
# was rendered from, each after its label, so that an auditor can check the copy.
PROOF = re.compile(r"(项目编号|链摘要(?:（SHA-256）)?)\s+[0-9a-f-]{16,}")
# A printed address is for typing or scanning; its path is not read as words.
ADDRESS = re.compile(r"https?://\S+")


class _Reader(HTMLParser):
    """The visible text of a page and the links on it."""

    SPOKEN = ("title", "alt", "placeholder", "aria-label")

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "style", "template"):
            self._hidden += 1
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        self.text.extend(attributes[name] for name in self.SPOKEN if attributes.get(name))

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.text.append(data.strip())


def walk(client, start: str, tmp) -> dict[str, str]:
    """The text of each page and PDF reachable from ``start``, by path."""
    seen: dict[str, str] = {}
    queue = deque([start])
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        if path in seen:
            continue
        response = client.get(path)
        if response.status_code != 200:
            seen[path] = ""
            continue
        if response.mimetype == "application/pdf":
            seen[path] = pdf_text(response.data, tmp)
            continue
        if response.mimetype != "text/html":
            seen[path] = ""
            continue
        reader = _Reader()
        reader.feed(response.get_data(as_text=True))
        seen[path] = "\n".join(reader.text)
        for href in reader.links:
            target = urlsplit(urljoin(path, href))
            if target.netloc or target.scheme:
                continue
            if target.path.startswith(NOT_FOLLOWED) and not target.path.endswith(".pdf"):
                continue  # the API's JSON is not a page; its PDFs are read
            query = f"?{target.query}" if target.query else ""
            if "lang=en" in query:
                continue  # the English pages are not the Chinese ones
            queue.append(target.path + query)
    assert len(seen) < MAX_PAGES, "the walk did not end: a page links to endless pages"
    return seen


def findings(pages: dict[str, str], patterns) -> list[str]:
    found = []
    for path, text in pages.items():
        text = ADDRESS.sub("", PROOF.sub(r"\1", text))
        for pattern in patterns:
            for match in pattern.finditer(text):
                found.append(f"{path}: {match.group(0)!r}")
    return found


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("scan"))
    with app.app_context():
        load_demo(runtime().app)
        runtime().catch_up()
    yield app
    app.extensions["renovation"].close()


@pytest.fixture(scope="module")
def resident_pages(demo_app, tmp_path_factory):
    return walk(demo_app.test_client(), "/", tmp_path_factory.mktemp("pdf"))


def test_the_walk_reaches_projects_their_pages_and_pdfs(resident_pages):
    paths = list(resident_pages)
    assert sum("/projects/" in p for p in paths) >= 10, paths
    assert any(p.endswith(".pdf") or "pdf" in p for p in paths), paths


def test_a_resident_sees_no_english_sentence(resident_pages):
    assert findings(resident_pages, [ENGLISH]) == []


def test_a_resident_sees_no_internal_identifier(resident_pages):
    assert findings(resident_pages, INTERNAL) == []


def test_staff_see_no_english_sentence_and_no_codes(demo_app, tmp_path):
    client = signed_in(demo_app, "staff", username="scan-staff")
    pages = walk(client, "/staff", tmp_path)
    assert sum("/staff/" in p for p in pages) >= 5, list(pages)
    codes = [
        re.compile(r"\buser:\w+"),
        re.compile(r"\b(?:" + "|".join(sorted(LABELS["gate"])) + r")\b"),
        re.compile(r"\b[a-z]+-\d{4}\b"),
    ]
    assert findings(pages, [ENGLISH, *codes]) == []
