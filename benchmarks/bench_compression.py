"""What compression saves on the demo's public answers, and what it costs a request.

    python benchmarks/bench_compression.py [--repeat 50]

Loads the demo into a temporary SQLite store and asks, in-process (Flask's test client, no
network), for the home page, a project page, the public dashboard, the project list API and
the stylesheet: plain, gzip and Brotli. Prints bytes and the median time of each answer.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from renovation.demo import load_demo
from renovation.web import create_app, runtime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{folder}/events.sqlite",
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            "PROJECTION_WORKER": "inline",
            "PHOTO_DIR": f"{folder}/photos",
        }
    )
    with app.app_context():
        rt = runtime()
        load_demo(rt.app)
        rt.catch_up()
    client = app.test_client()
    home = client.get("/").get_data(as_text=True)
    start = home.index('href="/projects/') + len('href="')
    project_url = home[start : home.index('"', start)]
    urls = ["/", project_url, "/districts", "/api/projects", "/static/css/site.css"]
    print("| answer | plain | gzip | Brotli | median time plain / gzip / Brotli |")
    print("|---|---|---|---|---|")
    for url in urls:
        sizes, times = [], []
        for encoding in ("identity", "gzip", "br"):
            spent = []
            for _ in range(args.repeat):
                began = time.perf_counter()
                response = client.get(url, headers={"Accept-Encoding": encoding})
                spent.append(time.perf_counter() - began)
                body = response.data
                response.close()
            assert response.status_code == 200, (url, response.status_code)
            sizes.append(len(body))
            times.append(statistics.median(spent) * 1000)
        print(
            f"| `{url[:40]}` | {sizes[0]:,} B | {sizes[1]:,} B ({sizes[1] / sizes[0]:.0%}) "
            f"| {sizes[2]:,} B ({sizes[2] / sizes[0]:.0%}) "
            f"| {times[0]:.1f} / {times[1]:.1f} / {times[2]:.1f} ms |"
        )


if __name__ == "__main__":
    main()
