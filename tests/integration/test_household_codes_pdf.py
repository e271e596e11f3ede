"""Household code slips as a real PDF: codes, flats, instructions, QR codes, fonts."""

from __future__ import annotations

import base64
import io
import re
import subprocess
from pathlib import Path
from typing import Any

import zxingcpp
from PIL import Image

from renovation.reports.household_codes import (
    SLIPS_PER_PAGE,
    address_without_code,
    household_code_sheet_html,
    qr_png,
    render_household_code_sheet,
)
from tests.conftest import STAFF, registration

PROJECT_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"
BASE = f"https://gj.huaian.gov.cn/projects/{PROJECT_ID}/vote"
DIGEST = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def code_for(index: int) -> str:
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    raw = "".join(alphabet[(index * 7 + k * 13) % len(alphabet)] for k in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def flat(building: str, unit: str, number: str, floor: int, index: int) -> dict[str, Any]:
    code = code_for(index)
    return {
        "flat_id": f"{building}-{unit}-{number}",
        "building": building,
        "unit": unit,
        "number": number,
        "floor": floor,
        "code": code,
        "vote_url": f"{BASE}?code={code}",
    }


def sheet_context(**overrides: Any) -> dict[str, Any]:
    flats = [
        # building 1 unit 1: seven flats, given out of order (two pages)
        flat("1", "1", "302", 3, 1),
        flat("1", "1", "101", 1, 2),
        flat("1", "1", "102", 1, 3),
        flat("1", "1", "201", 2, 4),
        flat("1", "1", "202", 2, 5),
        flat("1", "1", "301", 3, 6),
        flat("1", "1", "401", 4, 7),
        # building 1 unit 2: two flats (one page)
        flat("1", "2", "101", 1, 8),
        flat("1", "2", "102", 1, 9),
        # building 10 sorts after building 2
        flat("10", "1", "101", 1, 10),
        flat("2", "1", "101", 1, 11),
    ]
    context: dict[str, Any] = {
        "project": {
            "id": PROJECT_ID,
            "name": "凤凰新村",
            "district": "清江浦区",
            "street": "浦楼街道",
        },
        "building": None,
        "issued_at": "2026-11-26 09:30",
        "position": 4711,
        "lang": "zh",
        "flats": flats,
    }
    context.update(overrides)
    return context


def run(*command: str | Path) -> str:
    return subprocess.run(
        [str(part) for part in command], check=True, capture_output=True, text=True
    ).stdout


def write_pdf(tmp_path: Path, pdf: bytes) -> Path:
    assert pdf.startswith(b"%PDF-")
    path = tmp_path / "codes.pdf"
    path.write_bytes(pdf)
    return path


def page_text(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return re.sub(r"\s+", "", run("pdftotext", *pages, "-layout", path, "-"))


def column_text(path: Path) -> str:
    """Each page's left column of slips, then its right column: one slip's lines together."""
    width, height = 595, 842  # A4 in points
    parts = []
    for page in range(1, page_count(path) + 1):
        for x in (0, width // 2):
            box = ["-x", str(x), "-y", "0", "-W", str(width // 2), "-H", str(height)]
            parts.append(
                run("pdftotext", "-layout", "-f", str(page), "-l", str(page), *box, path, "-")
            )
    return re.sub(r"\s+", "", "".join(parts))


def page_count(path: Path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", run("pdfinfo", path), re.MULTILINE)[1])


def qr_modules_from_png(uri: str) -> Image.Image:
    """The slip's image: one pixel a module, dark pixels black."""
    assert uri.startswith("data:image/png;base64,")
    return Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("L")


def decoded(image: Image.Image) -> list[str]:
    """What a QR code reader (zxing-cpp's) reads in ``image``: the text of each QR code."""
    return [
        barcode.text
        for barcode in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    ]


def test_sheet_prints_each_flat_its_code_and_the_instructions(tmp_path):
    context = sheet_context()
    path = write_pdf(tmp_path, render_household_code_sheet(context))
    text = column_text(path)

    for item in context["flats"]:
        slip = f"凤凰新村{item['building']}幢{item['unit']}单元{item['number']}室户码{item['code']}"
        assert slip in text, slip
    # what the QR code does: it opens the voting page with the code filled in
    assert text.count("扫描二维码：打开投票页，户码已自动填好。") == len(context["flats"])
    assert text.count("也可打开下方网址，输入户码。") == len(context["flats"])
    assert text.count("请妥善保管，勿转借他人。") == len(context["flats"])
    # an address phones reach: no warning
    assert "手机无法打开" not in text
    # the address to type is printed without the code; the code is typed separately
    assert BASE in text and f"{BASE}?code=" not in text
    assert "2026-11-2609:30发放，此前发放的户码同时作废" in text


def test_each_unit_starts_a_new_page_in_natural_order(tmp_path):
    path = write_pdf(tmp_path, render_household_code_sheet(sheet_context()))

    # 1-1: 7 flats → 2 pages; 1-2: 1 page; 2-1: 1 page; 10-1: 1 page
    assert SLIPS_PER_PAGE == 6
    pages = page_count(path)
    assert pages == 5
    first, second, third, fourth, fifth = (page_text(path, n) for n in range(1, pages + 1))
    assert "1幢1单元·共7户" in first and "第1/2张" in first
    order = [first.index(f"1单元{n}室") for n in ("101", "102", "201", "202", "301", "302")]
    assert order == sorted(order)  # by floor, then flat number
    assert "1单元401室" in second and "第2/2张" in second and "101室" not in second
    assert "1幢2单元·共2户" in third and "1幢2单元101室" in third and "1幢2单元102室" in third
    assert "2幢1单元101室" in fourth
    assert "10幢1单元101室" in fifth
    # the page counter on every page, the event position in the footer, no chain digest
    for number, text in enumerate((first, second, third, fourth, fifth), start=1):
        assert f"第{number}页，共{pages}页" in text
        assert "凤凰新村·户码发放2026-11-2609:30·事件位置4711" in text
    assert "链摘要" not in page_text(path) and "可核验信息" not in page_text(path)


def test_each_slip_has_the_qr_code_of_its_own_voting_link():
    context = sheet_context()
    html = household_code_sheet_html(context)

    slips = re.findall(
        r'<div class="slip" data-flat="([^"]+)">(.*?)(?=<div class="slip|$)', html, re.S
    )
    assert [flat_id for flat_id, _ in slips] == [
        "1-1-101", "1-1-102", "1-1-201", "1-1-202", "1-1-301", "1-1-302",
        "1-1-401", "1-2-101", "1-2-102", "2-1-101", "10-1-101",
    ]  # fmt: skip
    by_id = {item["flat_id"]: item for item in context["flats"]}
    for flat_id, slip in slips:
        url = by_id[flat_id]["vote_url"]
        uri = re.search(r'<img class="qr" src="([^"]+)"', slip)[1]
        assert qr_png(url)[0] == uri
        modules = qr_modules_from_png(uri)
        # one pixel a module, a version 6 symbol (41 modules) and its quiet zone of 4 light
        # modules on every side
        assert modules.size == (49, 49)
        inner = modules.crop((4, 4, 45, 45))
        assert modules.getextrema() == (0, 255) and inner.getextrema() == (0, 255)
        assert all(modules.getpixel((x, y)) == 255 for x in range(49) for y in (0, 1, 2, 3, 45, 48))
        assert all(modules.getpixel((x, y)) == 255 for y in range(49) for x in (0, 3, 45, 48))
        # a reader reads the exact link, code included, from the image as printed (scaled up)
        assert decoded(modules.resize((49 * 8, 49 * 8), Image.Resampling.NEAREST)) == [url]
    # images embedded as data: URIs only: no image files, no network
    assert re.findall(r'src="([^":]+):', html) == ["data"] * len(slips)
    assert "http://" not in html
    assert "href=" in html and re.findall(r'href="([^"]+)"', html) == [
        "reports/report.css",
        "reports/household_codes.css",
    ]


def test_address_without_code_keeps_other_parameters():
    assert address_without_code(f"{BASE}?code=AB&lang=zh#x") == f"{BASE}?lang=zh"
    assert address_without_code(f"{BASE}?code=AB") == BASE


def test_fonts_are_embedded_cjk_and_monospace(tmp_path):
    path = write_pdf(tmp_path, render_household_code_sheet(sheet_context()))
    fonts = [line.split() for line in run("pdffonts", path).splitlines()[2:]]

    names = [columns[0] for columns in fonts]
    assert any(re.search(r"Noto-?Sans-?CJK", name) for name in names), names
    assert any(re.search(r"DejaVu-?Sans-?Mono-?Bold", name) for name in names), names
    for columns in fonts:
        assert (columns[-5], columns[-4]) == ("yes", "yes"), columns  # embedded, subset


def test_english_sheet_and_escaped_values(tmp_path):
    name = 'Phoenix "A" </style><script>x</script>'
    context = sheet_context(lang="en", project={**sheet_context()["project"], "name": name})
    html = household_code_sheet_html(context)
    assert "<script>" not in html and html.count("</style>") == 2  # the layout's and the sheet's

    text = page_text(write_pdf(tmp_path, render_household_code_sheet(context)))
    assert "Building1,unit1,flat101" in text
    assert "Page1of5" in text
    assert text.count('Phoenix"A"</style><script>x</script>') >= 11  # one a slip, and headers


def test_a_sheet_without_flats_still_renders(tmp_path):
    text = page_text(write_pdf(tmp_path, render_household_code_sheet(sheet_context(flats=[]))))
    assert "没有需要发放户码的住户。" in text


def test_sheet_of_codes_issued_by_the_application(runtime, tmp_path):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    codes = app.issue_household_codes(pid, building="1", actor=STAFF).value
    flats = [
        {
            "flat_id": f"{f['building']}-{f['unit']}-{f['number']}",
            "building": f["building"],
            "unit": f["unit"],
            "number": f["number"],
            "floor": f["floor"],
            "code": codes[f"{f['building']}-{f['unit']}-{f['number']}"],
            "vote_url": f"https://example.org/projects/{pid}/vote?code="
            + codes[f"{f['building']}-{f['unit']}-{f['number']}"],
        }
        for f in app.get_project(pid).flats()
        if f["building"] == "1"
    ]
    context = sheet_context(building="1", position=None, flats=flats)
    path = write_pdf(tmp_path, render_household_code_sheet(context))
    text = page_text(path)

    assert len(flats) == 6 and page_count(path) == 2  # unit 1 (4 flats), unit 2 (2 flats)
    for item in flats:
        assert item["code"] in text
    assert "事件位置" not in text  # no position given: none printed


def test_a_long_community_name_keeps_three_rows_of_slips_a_page(tmp_path):
    name = "清江浦区浦楼街道凤凰新村小区二期（原淮安市第二棉纺织厂宿舍）"
    context = sheet_context(project={**sheet_context()["project"], "name": name})

    path = write_pdf(tmp_path, render_household_code_sheet(context))

    assert page_count(path) == 5  # as with a short name: six slips a page


def test_slips_to_a_loopback_address_say_that_phones_cannot_open_them(tmp_path):
    local = "http://127.0.0.1:5000/projects/x/vote"
    flats = [dict(f, vote_url=f"{local}#code={f['code']}") for f in sheet_context()["flats"]]
    context = sheet_context(flats=flats, phones_can_open=False)
    path = write_pdf(tmp_path, render_household_code_sheet(context))
    text = column_text(path)

    # on every slip, and on every page (5 pages), in words a resident reads
    assert text.count("注意：此为本机测试地址，手机无法打开。") == len(flats)
    assert page_text(path).count("这些链接和二维码指向本机，手机无法打开") == 5
    assert page_count(path) == 5  # still six slips a page at most


def test_qr_codes_print_as_sharp_one_pixel_a_module_images(tmp_path):
    context = sheet_context()
    path = write_pdf(tmp_path, render_household_code_sheet(context))
    rows = [line.split() for line in run("pdfimages", "-list", path).splitlines()[2:]]

    assert len(rows) == len(context["flats"])  # one QR code a slip
    size = 49  # one pixel a module: 41 modules (version 6) and a quiet zone of 4 a side
    for columns in rows:
        # page num type width height color comp bpc enc interp …: no smoothing when scaled
        assert (columns[3], columns[4], columns[9]) == (str(size), str(size), "no"), columns


def test_the_printed_qr_codes_scan_to_each_flats_voting_link(tmp_path):
    context = sheet_context()
    path = write_pdf(tmp_path, render_household_code_sheet(context))
    run("pdftoppm", "-r", "150", "-gray", "-png", path, tmp_path / "page")

    read = []
    for page in sorted(tmp_path.glob("page-*.png")):
        read += decoded(Image.open(page))
    # every slip's code, read off the printed page at 150 dpi: the exact link, code included
    assert sorted(read) == sorted(item["vote_url"] for item in context["flats"])
