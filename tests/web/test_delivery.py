"""Answers are compressed when that is safe, and static files are cached for good under an
address that changes with their content."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest

from tests.conftest import bearer, project_payload


@pytest.fixture
def pid(client, web_app) -> str:
    return client.post("/api/projects", json=project_payload(), headers=bearer(web_app)).get_json()[
        "id"
    ]


def same(one: bytes, other: bytes) -> bool:
    """The same answer, but for what a page makes afresh each time: its form token, and the
    charts (pygal names each drawing with a new id)."""
    fresh = re.compile(rb'name="csrf_token" value="[^"]*"|data:image/svg\+xml;base64,[^"]*')
    return fresh.sub(b"", one) == fresh.sub(b"", other)


def test_public_pages_json_and_css_are_compressed_as_the_client_accepts(client, pid):
    for url, kind in (
        (f"/projects/{pid}", "text/html"),
        ("/api/projects", "application/json"),
        ("/static/css/site.css", "text/css"),
    ):
        plain = client.get(url)
        gzipped = client.get(url, headers={"Accept-Encoding": "gzip"})
        br = client.get(url, headers={"Accept-Encoding": "br;q=1.0, gzip;q=0.8"})
        assert plain.status_code == gzipped.status_code == br.status_code == 200, url
        assert plain.mimetype == kind and "Content-Encoding" not in plain.headers
        assert gzipped.headers["Content-Encoding"] == "gzip"
        assert br.headers["Content-Encoding"] == "br"
        assert same(gzip.decompress(gzipped.data), plain.data)
        assert same(brotli.decompress(br.data), plain.data)
        assert len(br.data) < len(plain.data) and len(gzipped.data) < len(plain.data), url
        assert "Accept-Encoding" in gzipped.headers["Vary"]


def test_answers_with_personal_data_or_codes_are_never_compressed(client, web_app, pid):
    sent = client.post(
        f"/api/projects/{pid}/opinions",
        json={"category": "safety", "text": "楼道堆物" * 50, "flat": "101", "contact": "139"},
    )
    oid = sent.get_json()["opinion_id"]
    asked = {"Accept-Encoding": "gzip, br"}
    for response in (
        client.get(f"/api/projects/{pid}/opinions/{oid}", headers={**bearer(web_app), **asked}),
        client.get(f"/api/projects/{pid}/opinions", headers={**bearer(web_app), **asked}),
        client.post(
            f"/api/projects/{pid}/household-codes", json={}, headers={**bearer(web_app), **asked}
        ),
    ):
        assert response.status_code in (200, 201)
        assert response.headers["Cache-Control"] == "no-store"
        assert "Content-Encoding" not in response.headers
        assert len(response.data) > 500  # big enough that it would have been compressed


def test_static_files_are_addressed_by_content_and_cached_for_a_year(client, pid):
    page = client.get(f"/projects/{pid}").get_data(as_text=True)
    (address,) = re.findall(r'href="(/static/css/site\.css\?v=[0-9a-f]{12})"', page)
    cached = client.get(address)
    assert cached.status_code == 200
    assert cached.cache_control.max_age == 365 * 24 * 3600
    assert cached.cache_control.immutable and cached.cache_control.public
    assert not cached.cache_control.no_cache
    # An old or made-up version, or none, is revalidated each time, never kept for a year.
    for other in ("/static/css/site.css?v=000000000000", "/static/css/site.css"):
        answer = client.get(other)
        assert answer.status_code == 200 and answer.data == cached.data
        assert answer.headers["Cache-Control"] == "no-cache" and answer.headers.get("ETag")
    assert client.get("/static/css/nothing.css?v=1").status_code == 404
