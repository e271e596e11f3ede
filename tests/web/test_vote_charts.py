"""Vote results get a bar against their threshold (issue 11): the public round result and the
lift poll result draw each Civil Code art. 278 share beside the share it needs, as a pygal
SVG served as a data: image (the pages' CSP allows no inline SVG or script)."""

from __future__ import annotations

import base64
import re
from html import unescape

import pytest

from renovation.demo import load_demo
from renovation.web import runtime
from tests.helpers import make_app
from tests.web.test_lift_agreement import passed
from tests.web.test_lifts_api import lift as lift  # the fixture

CHART = re.compile(
    r'<figure class="chart consent-chart">'
    r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"'
)


def consent_chart(html: str) -> tuple[str, str]:
    found = CHART.search(html)
    assert found is not None
    return base64.b64decode(found.group(1)).decode(), found.group(2)


@pytest.fixture
def demo(tmp_path, database_url):
    app = make_app(tmp_path, DATABASE_URL=database_url)
    with app.app_context():
        load_demo(runtime().app)
        runtime().catch_up()
    yield app
    app.extensions["renovation"].close()


def test_the_public_round_result_draws_each_share_against_its_threshold(demo):
    client = demo.test_client()
    pid = client.get("/api/projects", query_string={"q": "河海新村"}).get_json()["items"][0]["id"]
    rounds = client.get(f"/projects/{pid}/consultations").get_data(as_text=True)
    links = sorted(set(re.findall(rf"/projects/{pid}/consultations/([0-9a-f]+)", rounds)))
    charts = []
    for consultation_id in links:
        response = client.get(f"/projects/{pid}/consultations/{consultation_id}")
        html = unescape(response.get_data(as_text=True))
        if "consent-chart" in html:
            charts.append((html, *consent_chart(html)))
            assert response.headers["Content-Security-Policy"]
            assert re.search(r"<svg", html) is None
    assert charts, "the demo's intent vote has a consent result"
    html, svg, alt = charts[0]
    assert svg.startswith("<svg") and "<script" not in svg
    assert "各项比例与法定门槛对照（%）" in svg and "实际达到" in svg and "法定要求" in svg
    assert "66.67%" in svg and "75.00%" in svg  # ≥ 2/3 to take part, ≥ 3/4 to agree
    assert alt == "每项实际达到的比例与所需比例的对照。"


def test_the_lift_poll_result_draws_each_share_against_its_threshold(client, web_app, lift):
    pid, lift_id = passed(client, web_app, lift)
    html = unescape(client.get(f"/projects/{pid}/lifts/{lift_id}").get_data(as_text=True))
    svg, _alt = consent_chart(html)
    assert "<script" not in svg and "100.00%" in svg and "75.00%" in svg
    assert "参与表决专有面积占比" in svg
    english = client.get(f"/projects/{pid}/lifts/{lift_id}?lang=en").get_data(as_text=True)
    svg_en, alt_en = consent_chart(unescape(english))
    assert "Reached" in svg_en and "Needed" in svg_en
    assert alt_en == "Each share reached, beside the share it needs."
