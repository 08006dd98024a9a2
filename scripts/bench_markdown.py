"""
How long the markdown renderer takes on the costliest 5,000-character descriptions.

Each input is rendered with the cache cleared, several times; the best time
is reported, worst input first. The target is under 50 ms for every one.

    .venv/bin/python scripts/bench_markdown.py
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "awesome.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from catalog.markdown import _sanitised_html, render_markdown  # noqa: E402 -- after setup()
from tests.hostile_text import PATHOLOGICAL_MARKDOWN  # noqa: E402 -- after setup()

TARGET_MS = 50
REPEATS = 5


def best_time_ms(text: str) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        _sanitised_html.cache_clear()
        start = time.process_time()
        render_markdown(text)
        best = min(best, time.process_time() - start)
    return best * 1000


def main() -> None:
    times = sorted(
        ((best_time_ms(text), name) for name, text in PATHOLOGICAL_MARKDOWN.items()), reverse=True
    )
    for milliseconds, name in times:
        print(f"{milliseconds:7.1f} ms  {name}")
    worst, name = times[0]
    print(f"worst: {worst:.1f} ms ({name}); target under {TARGET_MS} ms")
    sys.exit(0 if worst < TARGET_MS else 1)


if __name__ == "__main__":
    main()
