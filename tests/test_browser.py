"""The built book in a real browser: headless Chromium (Debian's chromium and chromium-driver, which
.ci/run installs), driven by Selenium, with the network cut.

Every page of the table of contents, and the two index pages, is opened from a server on
127.0.0.1. Chromium resolves no other host (``--host-resolver-rules``), and every request the page
makes is read from the browser's network log: a request to any other host fails the test, so the
book must work offline. On each page: the math is typeset by the book's own MathJax with no error,
every image loads, every figure has alt text and a caption, no output runs off the column and no
figure is shrunk below legibility, the Colab link opens the page's own notebook, every internal
link and citation resolves, exercise solutions stay closed until opened, and the console shows no
error. When a page fails a check, a full-page screenshot of it is saved under the session's
temporary folder (the path is in the failure message), where the failing run leaves it for
inspection.
"""
import functools
import http.server
import json
import pathlib
import posixpath
import re
import shutil
import threading
import urllib.parse

import nbformat
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
OWNER_REPO = CONFIG["repository"]["url"].rstrip("/").removeprefix("https://github.com/")
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
PAGES = [TOC["root"]] + [c["file"] for part in TOC.get("parts", [TOC]) for c in part.get("chapters", [])]
CHAPTERS = [p for p in PAGES if (ROOT / f"{p}.ipynb").exists()]
INDEXES = ["genindex", "prf-prf"]
LEGIBLE_SCALE = 0.85   # figures are drawn with text of at least 9 points at 100 dpi (12.5 px); shown at
#                        85% of that or more, no text is smaller than about 10.6 px on the page


@pytest.fixture(scope="module")
def site(book_built):
    assert book_built.status["build"]["returncode"] == 0, "the book did not build:\n" + book_built.log
    handler = functools.partial(_QuietHandler, directory=str(book_built.html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield book_built.html, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver_path, ("the browser test needs Debian's chromium and chromium-driver "
                                      "(apt-get install chromium chromium-driver; .ci/run installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-extensions", "--window-size=1280,1000",
                 # the network cut: no host but the local server resolves
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory):
    return tmp_path_factory.mktemp("screenshots")


def _open(browser, url):
    """Load ``url``, wait for MathJax to finish, return the requests and console messages it caused."""
    browser.get_log("performance"), browser.get_log("browser")     # drop what earlier pages left
    browser.get(url)
    browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const wait = () => (window.MathJax && MathJax.startup && MathJax.startup.promise)
            ? MathJax.startup.promise.then(() => done(true), () => done(false)) : done(null);
        if (document.readyState === 'complete') wait(); else window.addEventListener('load', wait);""")
    requests = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requests.append(message["params"]["request"]["url"])
    console = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    return requests, console


def _screenshot(browser, path):
    height = browser.execute_script("return Math.min(document.documentElement.scrollHeight, 30000)")
    browser.set_window_size(1280, max(1000, height))
    browser.save_screenshot(str(path))
    browser.set_window_size(1280, 1000)
    return path


def _ids(html: pathlib.Path, page: str) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', (html / page).read_text()))


@pytest.mark.parametrize("page", PAGES + INDEXES)
def test_page_in_the_browser(site, browser, screenshots, page):
    html, base = site
    relative = f"{page}.html"
    requests, console = _open(browser, f"{base}/{relative}")
    shot = screenshots / (page.replace("/", "_") + ".png")
    try:
        _page_checks(browser, html, page, relative, requests, console, f"(page {relative}; screenshot {shot})")
    except AssertionError:
        _screenshot(browser, shot)          # the page as the failing check saw it, for inspection
        raise


def _page_checks(browser, html, page, relative, requests, console, where):
    # offline: nothing but the local server was asked for anything
    foreign = [u for u in requests if urllib.parse.urlsplit(u).scheme in ("http", "https", "ws", "wss")
               and urllib.parse.urlsplit(u).hostname != "127.0.0.1"]
    assert not foreign, f"requests to other hosts {foreign} {where}"
    assert not console, f"console errors {[e['message'] for e in console]} {where}"

    # math: every formula typeset by MathJax, none with an error
    math = browser.execute_script("""
        const spans = [...document.querySelectorAll('article span.math, article div.math')];
        return {total: spans.length, typeset: spans.filter(s => s.querySelector('mjx-container')).length,
                errors: document.querySelectorAll('mjx-merror, [data-mml-node="merror"]').length,
                mathjax: !!window.MathJax};""")
    assert math["errors"] == 0, f"{math['errors']} MathJax errors {where}"
    assert math["typeset"] == math["total"], f"{math['total'] - math['typeset']} formulas not typeset {where}"
    if page in CHAPTERS:
        assert math["mathjax"] and math["total"] > 0, f"a chapter without typeset math {where}"

    # images: loaded; figures with alt text and a caption, legible at the column's width
    images = browser.execute_script("""
        return [...document.querySelectorAll('article img')].map(img => {
            const cell = img.closest('div.cell');
            const next = cell ? cell.nextElementSibling : null;
            return {src: img.getAttribute('src'), alt: img.getAttribute('alt') || '', ok: img.complete &&
                    img.naturalWidth > 0, figure: !!img.closest('div.cell_output'), natural: img.naturalWidth,
                    shown: img.getBoundingClientRect().width,
                    caption: next ? next.textContent.trim().slice(0, 40) : ''};});""")
    assert all(i["ok"] for i in images), f"images that did not load {[i['src'] for i in images if not i['ok']]} {where}"
    for image in (i for i in images if i["figure"]):
        assert len(image["alt"].split()) >= 8 and not image["alt"].endswith(".png"), \
            f"figure {image['src']} has no alt text that says what it shows: {image['alt']!r} {where}"
        assert re.match(r"Figure \d+\.", image["caption"]), \
            f"figure {image['src']} is not followed by its caption (found {image['caption']!r}) {where}"
        assert image["shown"] >= LEGIBLE_SCALE * image["natural"] - 1, \
            f"figure {image['src']} shown at {image['shown']:.0f} of {image['natural']} px: text too small {where}"

    # long outputs wrap inside the column
    overflow = browser.execute_script("""
        return [...document.querySelectorAll('div.cell_output pre')].filter(p => p.scrollWidth > p.clientWidth + 1)
               .map(p => p.textContent.slice(0, 60));""")
    assert not overflow, f"outputs run off the column: {overflow} {where}"

    # internal links and citations resolve to a page and an anchor that exist
    hrefs = browser.execute_script(
        "return [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'));")
    for href in hrefs:
        parts = urllib.parse.urlsplit(href)
        if parts.scheme or href.startswith(("mailto:", "javascript:")) or not (parts.path or parts.fragment):
            continue
        target = posixpath.normpath(posixpath.join(posixpath.dirname(relative), parts.path)) if parts.path else relative
        file = (html / target).resolve()
        assert file.exists(), f"link {href!r} points at a missing page {where}"
        if parts.fragment and file.suffix == ".html":
            assert urllib.parse.unquote(parts.fragment) in _ids(html, file.relative_to(html.resolve()).as_posix()), \
                f"link {href!r} points at a missing anchor {where}"
    text = browser.execute_script("return document.querySelector('article').innerText")
    assert not re.search(r"\?\?|\[[a-z]+\d{4}[a-z]+\]", text), f"an unresolved reference or citation {where}"
    assert "Exercise Exercise" not in text, f"a doubled exercise reference {where}"

    if page in CHAPTERS:
        _chapter_checks(browser, page, where)
    if page == "genindex":     # the glossary's terms fill the general index
        entries = browser.execute_script("return document.querySelectorAll('table.indextable a').length")
        assert entries >= 10, f"the general index has {entries} entries {where}"
    if page == "prf-prf":      # theorems listed by their titles, one per chapter theorem, not by raw labels
        listed = browser.execute_script(
            "return [...document.querySelectorAll('table.indextable a')].map(a => a.textContent.trim());")
        theorems = sum(cell.source.count("```{prf:theorem}") for c in CHAPTERS
                       for cell in nbformat.read(ROOT / f"{c}.ipynb", as_version=4).cells)
        assert len(listed) == theorems and not any(t.startswith("thm-") for t in listed), f"{listed} {where}"


def _chapter_checks(browser, page, where):
    name = pathlib.PurePosixPath(page).name
    # the Colab button opens this chapter's own notebook in the configured repository
    colab = browser.execute_script(
        "return [...document.querySelectorAll('a[href*=\"colab.research.google.com\"]')].map(a => a.href);")
    expected = f"https://colab.research.google.com/github/{OWNER_REPO}/blob/main/{page}.ipynb"
    assert colab == [expected], f"Colab links {colab}, expected [{expected}] {where}"
    assert (ROOT / f"{page}.ipynb").exists()

    # numbered exercise boxes, numbered as the student version numbers them
    boxes = browser.execute_script("""
        return [...document.querySelectorAll('div.exercise.admonition > .admonition-title')]
               .map(t => t.textContent.trim());""")
    student = nbformat.read(ROOT / "book" / "student" / f"{name}.ipynb", as_version=4)
    headings = re.findall(r"^### (Exercise \d+\.\d+): (.+)$", "\n".join(c.source for c in student.cells
                                                                    if c.cell_type == "markdown"), re.M)
    assert [re.sub(r"\s+", " ", b).replace("’", "'") for b in boxes] == [f"{k} ({title})" for k, title in headings], \
        f"exercise boxes {boxes} do not match the student version's {headings} {where}"
    # the stubs' placeholder feedback is not shown in the book
    assert browser.execute_script("return document.querySelectorAll('div.tag_exercise div.cell_output').length") == 0

    # every solution, code and output, is hidden until the reader opens it
    solutions = browser.find_elements("css selector", "div.solution.dropdown")
    assert len(solutions) >= 3, f"{len(solutions)} solution boxes {where}"
    for box in solutions:
        content = box.find_element("css selector", "section")
        assert not content.is_displayed(), f"a solution is visible before it is opened {where}"
    first = solutions[0]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", first)
    first.find_element("css selector", "button.toggle-button").click()
    content = first.find_element("css selector", "section")
    browser.execute_script("return new Promise(r => setTimeout(r, 500));")
    assert content.is_displayed(), f"the first solution does not open when its title is clicked {where}"
