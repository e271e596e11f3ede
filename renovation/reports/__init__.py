"""PDF reports: read-model values → Jinja HTML → WeasyPrint PDF bytes.

Templates receive plain values only (str, int, lists and dicts of them), never ORM rows
or aggregates. This package is the only one that imports weasyprint.
"""

from renovation.reports.project import project_report_html, render_project_report
from renovation.reports.rendering import (
    ReportResourceRefused,
    StaticOnlyURLFetcher,
    html_to_pdf,
    render_html,
    static_base_url,
)

__all__ = [
    "ReportResourceRefused",
    "StaticOnlyURLFetcher",
    "html_to_pdf",
    "project_report_html",
    "render_html",
    "render_project_report",
    "static_base_url",
]
