"""Open a built page in headless Chromium with the network cut off, and read what a reader would see.

The build check (``buildcheck``) reads HTML as text; it cannot tell whether MathJax really typeset the
math, because that happens in the browser. Here Chromium loads the page from disk with every host name
mapped to nothing and a proxy that does not exist, runs its scripts, and hands back the DOM after they
ran (``--dump-dom``), and, if asked, a screenshot. ``math_problems`` then says whether every formula on
the page was typeset.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

#: Flags that keep Chromium off the network: no host resolves, every request goes to a dead proxy,
#: and none of its background services (updates, sync, safe browsing) start.
OFFLINE_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update", "--disable-quic",
                 "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9",
                 "--hide-scrollbars")

#: A formula as Sphinx writes it, before MathJax: ``<span class="math notranslate nohighlight">\(..\)</span>``
#: or the ``<div class="math ...">`` of display math.
_MATH_ELEMENT = re.compile(r"""<(span|div) class="math[^"]*">(.*?)</\1>""", re.S)


def chromium() -> str:
    """The Chromium executable, or a sentence on how to get one."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    raise FileNotFoundError("no Chromium on this machine: install Debian's package (apt-get install chromium); "
                            "`make browser` does it when run as root")


def offline_dom(page: Path, screenshot: Path | None = None, width: int = 1280, height: int = 1600,
                budget_ms: int = 8000) -> str:
    """The page's DOM after its scripts ran in offline headless Chromium; optionally a PNG screenshot too."""
    url = page.resolve().as_uri()
    with tempfile.TemporaryDirectory() as profile:
        base = [chromium(), *OFFLINE_FLAGS, f"--user-data-dir={profile}", f"--virtual-time-budget={budget_ms}",
                f"--window-size={width},{height}"]
        dom = subprocess.run([*base, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=True).stdout
        if screenshot is not None:
            subprocess.run([*base, f"--screenshot={screenshot.resolve()}", url], capture_output=True, timeout=120,
                           check=True)
    return dom


def math_problems(dom: str) -> list[str]:
    """Why the page's math is not typeset, one sentence each (empty when every formula was)."""
    formulas = [m.group(2) for m in _MATH_ELEMENT.finditer(dom)]
    if not formulas:
        return ["the page has no math element: pick a page with math to check"]
    raw = [f for f in formulas if "<mjx-container" not in f]
    if raw:
        return [f"{len(raw)} of {len(formulas)} formulas were not typeset (MathJax did not run offline), e.g. "
                f"{re.sub(r'<[^>]+>', '', raw[0]).strip()[:80]!r}"]
    return []


def main(argv: list[str] | None = None) -> int:
    """``python -m thumbnail_lab.publish.browser PAGE.html [SHOT.png]``: exit 1 unless every formula is typeset."""
    argv = sys.argv[1:] if argv is None else argv
    page = Path(argv[0])
    shot = Path(argv[1]) if len(argv) > 1 else None
    found = math_problems(offline_dom(page, shot))
    for line in found:
        print(f"[browser] {page}: {line}", file=sys.stderr)
    if not found:
        print(f"[browser] {page}: every formula typeset with the network off" + (f"; screenshot {shot}" if shot else ""))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
