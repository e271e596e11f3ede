"""Rate limits held per client across every worker: the package's dependencies, the buckets the
API and the forms share, the code checks, and two gunicorn workers counting in one Redis."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_redis_is_a_dependency_of_the_package_not_only_of_the_tests():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = [
        dep.split(">")[0].split("=")[0].split("[")[0].strip() for dep in project["dependencies"]
    ]
    assert "redis" in names
    assert "flask-limiter" in names
