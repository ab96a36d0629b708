"""The course website (issue #20), read in a real browser with no network.

The site is built first (``mfcourse.course.site.build``: executed notebooks come from the
jupyter-cache when unchanged), served from 127.0.0.1 by a throw-away HTTP server, and every page is
opened in headless Chromium. On every page: no console error, no failed request (nothing may be
fetched from outside: the machine has no network, a CDN script would fail here), no raw TeX left
(MathJax rendered every formula), every image loaded, every internal link resolves. On lecture
pages: the Binder and download buttons point at that notebook, and the static explorers' sliders
change their figure. Screenshots go to ``test-artifacts/site/``.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import threading
import urllib.parse
from pathlib import Path

import lab_driver as ld
import pytest

from mfcourse.course import site

pytestmark = pytest.mark.browser
ARTIFACTS = ld.ROOT / "test-artifacts" / "site"
SKIP_PAGES = {"genindex.html", "search.html"}

# Text in the article that MathJax should have turned into formulas, outside code and outputs.
RAW_TEX = re.compile(r"\$\$|\\\(|\\\)|\\\[|\\\]|(?<![\w\\])\$[^$\s][^$]*?\$")
ARTICLE_TEXT = """() => {
  const article = document.querySelector('article') || document.body;
  const copy = article.cloneNode(true);
  copy.querySelectorAll('pre, code, script, style, mjx-container, .cell_output, .output,'
    + ' .highlight, .mfcourse-static-dashboard').forEach(e => e.remove());
  return copy.textContent;
}"""
MATHJAX_DONE = """() => new Promise(resolve => {
  if (!window.MathJax) { resolve('no MathJax'); return; }
  const wait = () => (MathJax.startup && MathJax.startup.promise)
    ? MathJax.startup.promise.then(() => resolve('ok'))
    : setTimeout(wait, 50);
  wait();
})"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def built_site():
    reason = ld.unavailable_reason()
    if reason is not None:
        if ld.browser_required():
            pytest.fail(f"MFCOURSE_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    try:
        import myst_nb  # noqa: F401
    except ImportError:
        pytest.skip("the site needs the test extra (sphinx, myst-nb): run `make setup`")
    site.build()
    return site.HTML


@pytest.fixture(scope="module")
def served(built_site):
    handler = functools.partial(_Quiet, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory, built_site):
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    chromium = ld.Chromium(tmp_path_factory.mktemp("site-browser"))
    try:
        chromium.start()
        yield chromium
    finally:
        chromium.stop()


def site_pages(html: Path) -> list[Path]:
    return sorted(
        p
        for p in html.rglob("*.html")
        if p.name not in SKIP_PAGES and not p.relative_to(html).parts[0].startswith("_")
    )


def _open(context, url: str):
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" else None)  # fmt: skip
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}")
            if r.status >= 400 else None)  # fmt: skip
    page.goto(url, wait_until="load")
    assert page.evaluate(MATHJAX_DONE) in ("ok", "no MathJax")
    return page, problems


def _internal_links(page, html: Path, rel: Path) -> list[str]:
    broken = []
    for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
        parsed = urllib.parse.urlparse(href)
        if parsed.scheme or parsed.netloc or not parsed.path:
            continue  # external (checked by the buttons' test) or a fragment on this page
        target = (html / rel).parent / urllib.parse.unquote(parsed.path)
        if target.is_dir():
            target = target / "index.html"
        if not target.resolve().is_file():
            broken.append(href)
    return broken


def test_every_page_renders_offline(built_site, served, browser):
    pages = site_pages(built_site)
    lectures = [p for p in pages if p.parent.name == "lectures"]
    assert len(lectures) == len(list((ld.ROOT / "lectures").glob("*.ipynb"))), "a lecture page"
    assert (built_site / "index.html") in pages and (built_site / "bibliography.html") in pages
    context = browser.new_context()
    failures = {}
    try:
        for path in pages:
            rel = path.relative_to(built_site)
            page, problems = _open(context, f"{served}/{rel.as_posix()}")
            leftovers = RAW_TEX.findall(page.evaluate(ARTICLE_TEXT))
            if leftovers:
                problems.append(f"raw TeX left: {leftovers[:5]}")
            broken_img = page.eval_on_selector_all(
                "img", "els => els.filter(e => !(e.complete && e.naturalWidth > 0)).map(e => "
                "(e.getAttribute('src') || '').slice(0, 80))")  # fmt: skip
            if broken_img:
                problems.append(f"images that did not load: {broken_img}")
            broken = _internal_links(page, built_site, rel)
            if broken:
                problems.append(f"internal links that do not resolve: {broken[:5]}")
            if rel.as_posix() == "index.html":
                page.screenshot(path=str(ARTIFACTS / "landing.png"))
            elif rel.parent.name == "solutions" and not (ARTIFACTS / "exercise.png").exists():
                page.screenshot(path=str(ARTIFACTS / "exercise.png"))
            if problems:
                failures[rel.as_posix()] = problems
            page.close()
    finally:
        context.close()
    assert not failures, json.dumps(failures, indent=2)


def test_lecture_buttons_and_static_explorers(built_site, served, browser):
    context = browser.new_context()
    moved = 0
    try:
        for nb in sorted((ld.ROOT / "lectures").glob("*.ipynb")):
            rel = f"lectures/{nb.stem}.html"
            page, problems = _open(context, f"{served}/{rel}")
            hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
            binder = [h for h in hrefs if h.startswith(site.BINDER)]
            assert binder, f"{rel}: no launch-on-Binder link"
            assert any(f"lectures/{nb.stem}.ipynb" in urllib.parse.unquote(h) for h in binder), (
                f"{rel}: the Binder link does not open lectures/{nb.stem}.ipynb: {binder}"
            )
            downloads = [h for h in hrefs if urllib.parse.urlparse(h).path.endswith(".ipynb")]
            ours = [h for h in downloads if h.startswith(served)]
            assert ours, f"{rel}: no download link to the notebook"
            local = built_site / urllib.parse.unquote(urllib.parse.urlparse(ours[0]).path)[1:]
            assert local.name == nb.name, f"{rel}: the download link names {local.name}"
            assert json.loads(local.read_text())["cells"], f"{rel}: {local} is not the notebook"
            for k, dash in enumerate(page.query_selector_all(
                    ".mfcourse-static-dashboard.mfcourse-kind-scrub")):  # fmt: skip
                slider = dash.query_selector("input.mfcourse-static-slider")
                img = dash.query_selector("img.mfcourse-static-figure")
                before = img.get_attribute("src")
                slider.focus()
                page.keyboard.press("ArrowRight" if slider.input_value() != slider.get_attribute(
                    "max") else "ArrowLeft")  # fmt: skip
                after = img.get_attribute("src")
                assert after != before, f"{rel}: static explorer {k} did not change its figure"
                assert page.evaluate("e => e.complete && e.naturalWidth > 0", img)
                moved += 1
                if moved == 1:
                    dash.scroll_into_view_if_needed()
                    page.screenshot(path=str(ARTIFACTS / "lecture-slider-moved.png"))
            assert not problems, f"{rel}: {problems}"
            page.close()
    finally:
        context.close()
    assert moved > 0, "no static scrub explorer found on any lecture page"
