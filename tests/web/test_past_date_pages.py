"""Past-date pages (issue 11, item 8): the public dashboard as of a day, under a banner like
the project page's, and the project report PDF as of a past time with the residents'
participation as it then stood. On SQLite and PostgreSQL, with the demo loaded."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

import pytest

from renovation.demo import load_demo
from renovation.domain.base import LOCAL_TZ
from renovation.web import runtime
from tests.helpers import make_app, pdf_fonts, pdf_text

DISTRICT = "清江浦区"


@pytest.fixture
def app(tmp_path, database_url):
    app = make_app(tmp_path, DATABASE_URL=database_url)
    with app.app_context():
        load_demo(runtime().app)
        runtime().catch_up()
    yield app
    app.extensions["renovation"].close()


def test_the_dashboard_as_of_a_day_says_so_in_the_project_pages_banner(app):
    client = app.test_client()
    today = datetime.now(LOCAL_TZ).date()
    now = unescape(client.get(f"/districts/{DISTRICT}").get_data(as_text=True))
    assert "as-of-banner" not in now and "凤凰新村" in now

    past = unescape(client.get(f"/districts/{DISTRICT}?as_of=2020-01-01").get_data(as_text=True))
    banner = re.search(r'<p class="as-of-banner" role="note">(.*?)</p>', past, re.S)
    assert banner is not None
    assert "2020年1月1日" in banner.group(1) and "不是当前数据" in banner.group(1)
    assert f'href="/districts/{DISTRICT}"' in banner.group(1)
    assert "凤凰新村" not in past  # registered after that day

    same_day = unescape(
        client.get(f"/districts/{DISTRICT}?as_of={today.isoformat()}").get_data(as_text=True)
    )
    assert "as-of-banner" in same_day and "凤凰新村" in same_day

    english = client.get(f"/districts/{DISTRICT}?as_of=2020-01-01&year=2024&lang=en")
    text = unescape(english.get_data(as_text=True))
    assert "these are the figures as recorded by the end of" in text
    assert f'href="/districts/{DISTRICT}?year=2024"' in text

    for bad in ("2026-02-30", "yesterday", "1899-01-01"):
        response = client.get(f"/districts/{DISTRICT}?as_of={bad}")
        html = unescape(response.get_data(as_text=True))
        assert response.status_code == 200
        assert 'class="flash flash-error" role="alert"' in html and "as-of-banner" not in html
        assert "凤凰新村" in html  # the current figures, with the problem said


def received(text: str) -> int:
    found = re.search(r"Opinions received\s+(\d+) items", text)
    assert found is not None, text
    return int(found.group(1))


def test_the_project_report_as_of_a_past_time_includes_the_participation_then(app, tmp_path):
    client = app.test_client()
    items = client.get("/api/projects", query_string={"q": "河海新村"}).get_json()["items"]
    pid = items[0]["id"]
    before = datetime.now(UTC).isoformat()
    now_text = pdf_text(client.get(f"/api/projects/{pid}/report.pdf?lang=en").data, tmp_path)
    opinion = client.post(
        f"/api/projects/{pid}/opinions",
        json={"category": "other", "text": "楼道灯坏了，请一并修理。"},
    )
    assert opinion.status_code == 201, opinion.get_json()

    after = pdf_text(client.get(f"/api/projects/{pid}/report.pdf?lang=en").data, tmp_path)
    response = client.get(
        f"/api/projects/{pid}/report.pdf", query_string={"as_of": before, "lang": "en"}
    )
    assert response.status_code == 200
    then = pdf_text(response.data, tmp_path)
    assert "Residents' participation" in then and "leaves it out" not in then
    assert received(then) == received(now_text) == received(after) - 1
    assert "Consultation results" in then and "河海新村改造意愿征询" in then

    chinese = client.get(f"/api/projects/{pid}/report.pdf", query_string={"as_of": before})
    zh = "".join(pdf_text(chinese.data, tmp_path).split())
    assert "居民参与" in zh and "历史状态报告不含此部分" not in zh
    fonts = pdf_fonts(chinese.data, tmp_path)
    assert any("CJK" in line and " yes " in line for line in fonts.splitlines())
