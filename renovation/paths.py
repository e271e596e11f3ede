"""Where the templates and static files are, installed or in a checkout."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# A wheel carries the top-level templates/ inside the package (see pyproject.toml);
# a source checkout or an editable install reads them from the repository root.
_installed = PACKAGE_DIR / "templates"
TEMPLATES_DIR = _installed if _installed.is_dir() else PACKAGE_DIR.parent / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
