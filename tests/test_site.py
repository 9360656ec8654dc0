"""The built website (_build/html, made by `make book` before the tests) and the public bundle."""
import json
import re
import shutil
import tomllib
import threading
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from cnnlib.publish import find_secrets, publish

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
# Every chapter notebook in book/ must be in the table of contents (no orphan chapters).
CHAPTERS = sorted(p.stem for p in (ROOT / "book").glob("ch[0-9][0-9]_*.ipynb"))


def _toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part["chapters"]]
    return files


@pytest.fixture(scope="module")
def site() -> Path:
    if not (SITE / "index.html").exists():
        pytest.fail("no built site in _build/html: `make test` builds it first (or run `make book`)")
    return SITE


def test_every_chapter_is_in_the_toc_and_built(site):
    files = _toc_files()
    assert "book/ch00_arithmetic" in files and "book/errata" in files and "book/practice" in files
    for chapter in CHAPTERS:
        assert f"book/{chapter}" in files, f"{chapter} missing from _toc.yml"
    for f in files:
        assert (site / f"{f}.html").exists(), f"{f}.html was not built"


def test_every_chapter_page_shows_a_computed_figure(site):
    """Figures returned by cnnlib (matplotlib Figure objects) must render as images, not as
    "<Figure size ...>" text (which happens when the kernel runs a non-inline backend)."""
    for chapter in CHAPTERS:
        page = (site / "book" / f"{chapter}.html").read_text()
        assert re.search(r'<img[^>]+src="[^"]*_images/[^"]+\.png"', page), f"{chapter}: no figure"
        assert "&lt;Figure size" not in page, f"{chapter}: a figure was printed as text"


def test_no_page_shows_the_same_figure_twice(site):
    """A pyplot-held figure returned as a cell's value is drawn twice (once as the value, once
    when the cell ends); a static widget preview must not repeat a figure the page already has."""
    for page in sorted(site.glob("book/*.html")):
        srcs = re.findall(r'<img[^>]*?src="([^"]*_images/[^"]+)"', page.read_text())
        repeated = sorted({s for s in srcs if srcs.count(s) > 1})
        assert not repeated, f"{page.name} shows these images more than once: {repeated}"


def test_notebooks_are_committed_without_outputs():
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        nb = json.loads(path.read_text())
        for cell in (c for c in nb["cells"] if c["cell_type"] == "code"):
            assert not cell.get("outputs") and cell.get("execution_count") is None, path.name


def test_every_notebook_starts_with_the_generated_install_cell():
    """Book, exercise sources and their notebooks, student versions, practice: one cell, generated."""
    from cnnlib import install_cell

    assert install_cell.check(ROOT) == []
    settings = install_cell.settings_from_config(ROOT)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["urls"]["Homepage"] == settings.site  # the installed wheel knows the site too
    source = install_cell.cell_source(settings)
    assert settings.wheel_url in source and f'_CNNLIB = "{settings.version}"' in source
    for path in sorted((ROOT / "solutions").glob("*/*.py")):
        assert source in path.read_text(), path  # the exercise sources carry it (jupytext)
    from cnnlib.practice import generate
    from cnnlib.practice.render import student_notebook

    generated = student_notebook(generate(3, 2), 3)  # a practice set made on a student's machine
    first = next(c for c in generated.cells if c.cell_type == "code")
    assert first.source == install_cell.cell_source(install_cell.settings_installed())


def test_the_install_cell_is_not_shown_on_the_site(site):
    for page in sorted(site.glob("book/*.html")):
        assert "Course setup (generated" not in page.read_text(), page.name


def test_site_has_no_solutions(site):
    assert find_secrets(site, ROOT / "solutions") == []
    assert not list(site.rglob("solutions"))


def test_launch_buttons_point_at_the_repository(site):
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    for key in ("colab_url", "jupyterhub_url", "binderhub_url"):
        assert cfg["launch_buttons"].get(key), key
    page = (site / "book" / "ch00_arithmetic.html").read_text()
    repo = cfg["repository"]["url"].removeprefix("https://github.com/")
    assert f"colab.research.google.com/github/{repo}/blob/{cfg['repository']['branch']}/book/ch00_arithmetic.ipynb" in page


def test_launch_links_agree_on_chapter_and_exercise_pages(site):
    """The chapters' buttons (sphinx-book-theme) and the exercises page (cnnlib.publish.launch_links)
    are built from _config.yml the same way."""
    import html as html_lib

    from cnnlib.publish import launch_links

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    page = html_lib.unescape((site / "book" / "ch00_arithmetic.html").read_text())
    for kind, url in launch_links(config, "book/ch00_arithmetic.ipynb").items():
        if kind != "Download":
            assert url in page, (kind, url)
    exercises = html_lib.unescape((site / "book" / "exercises.html").read_text())
    for folder in sorted((ROOT / "exercises").glob("ch[0-9][0-9]_*")):
        for url in launch_links(config, f"exercises/{folder.name}/{folder.name}.ipynb").values():
            assert url in exercises, url


def test_publish_bundle(site, tmp_path):
    warnings = []
    out = publish(ROOT, tmp_path / "publish", warn=warnings.append)
    assert (out / "site" / "index.html").exists()
    from cnnlib import install_cell

    settings = install_cell.settings_from_config(ROOT)
    wheel = out / "site" / "wheels" / install_cell.wheel_name(settings.version)
    assert wheel.is_file()
    index = (out / "site" / "simple" / "cnnlib" / "index.html").read_text()
    assert f"../../wheels/{wheel.name}#sha256=" in index
    assert '<a href="cnnlib/">' in (out / "site" / "simple" / "index.html").read_text()
    assert "deploy-pages" in (out / ".github" / "workflows" / "pages.yml").read_text()
    binder = (out / "binder" / "requirements.txt").read_text()
    assert "download.pytorch.org/whl/cpu" in binder and settings.wheel_url in binder
    env = yaml.safe_load((out / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert f"cnnlib @ {settings.wheel_url}" in pip and "-e ." not in pip
    assert not any(p.startswith("nbgrader") for p in pip)
    # The shipped addresses are placeholders: publishing warns and names each setting.
    assert any("html.baseurl" in w for w in warnings) and any("jupyterhub_url" in w for w in warnings)
    assert (out / "book" / "ch00_arithmetic.ipynb").exists()
    # what building the book again from the bundle needs: every file _config.yml names
    config = yaml.safe_load((out / "_config.yml").read_text())
    for bib in config["bibtex_bibfiles"]:
        assert (out / bib).is_file(), bib
    for css in config["sphinx"]["config"].get("html_css_files", []):
        assert any((out / d / css).is_file() for d in config["sphinx"]["config"]["html_static_path"]), css
    assert (out / "cnnlib" / "__init__.py").exists()
    assert (out / "exercises").is_dir()
    for forbidden in ("solutions", "gradebook.db", "submitted", "autograded", "feedback",
                      "nbgrader_config.py", "tests"):
        assert not list(out.rglob(forbidden)), forbidden
    assert find_secrets(out, ROOT / "solutions") == []


def test_publish_refuses_an_invalid_address(site, tmp_path):
    from cnnlib.publish import settings_problems

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["html"]["baseurl"] = "ftp://nowhere"
    errors, _ = settings_problems(config)
    assert errors == ["html.baseurl = 'ftp://nowhere' in _config.yml is not an http(s) address"]
    fake = tmp_path / "course"
    shutil.copytree(ROOT / "_build" / "html", fake / "_build" / "html")
    (fake / "_config.yml").write_text(yaml.safe_dump(config))
    with pytest.raises(RuntimeError, match="html.baseurl"):
        publish(fake, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_publish_refuses_a_bundle_with_secrets(site, tmp_path):
    fake = tmp_path / "course"
    shutil.copytree(ROOT / "_build" / "html", fake / "_build" / "html")
    shutil.copy(ROOT / "_config.yml", fake / "_config.yml")
    (fake / "exercises" / "x").mkdir(parents=True)
    (fake / "exercises" / "x" / "x.ipynb").write_text('{"cells": [{"source": ["### BEGIN SOLUTION"]}]}')
    with pytest.raises(RuntimeError, match="secrets found"):
        publish(fake, tmp_path / "out")
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------- browser
class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(site):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("chromium is not installed: `apt-get install chromium` (.ci/run does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def _block_outside(context, server: str) -> list[str]:
    """Abort every request of ``context`` that leaves ``server``; returns the list they are
    recorded in (the test machine has no internet, and the published site must not need it)."""
    external: list[str] = []

    def route(r):
        if r.request.url.startswith(server):
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    return external


@pytest.mark.slow
def test_browser_every_page(server, browser):
    """Open every page: no console errors, no broken images or internal links; search; nav."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    # The test machine has no internet: external requests (fonts, CDNs) are blocked, and the
    # console errors they cause are not the site's fault. Everything local must load.
    external = _block_outside(context, server)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    failed_local: list[str] = []
    page.on("requestfailed", lambda r: failed_local.append(r.url) if r.url.startswith(server) else None)
    links: set[str] = set()
    for f in _toc_files():
        response = page.goto(f"{server}/{f}.html", wait_until="load")
        assert response.ok, f
        broken = page.eval_on_selector_all(
            "img", "imgs => imgs.filter(i => i.complete && i.naturalWidth === 0 && "
                   "i.src.startsWith(location.origin)).map(i => i.src)")
        assert broken == [], f"broken images on {f}: {broken}"
        hrefs = page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
        links |= {h.split("#")[0] for h in hrefs if h.startswith(server)}
    site_errors = [e for e in errors if not any(x.split("?")[0] in e for x in external)
                   and "net::ERR_FAILED" not in e]
    assert site_errors == [], site_errors
    assert failed_local == []
    for link in sorted(links):
        with urllib.request.urlopen(link) as resp:
            assert resp.status == 200, link

    # Search finds a term that only the chapters contain.
    page.goto(f"{server}/search.html?q=receptive", wait_until="load")
    page.wait_for_selector("ul.search li", timeout=20_000)
    hits = page.eval_on_selector_all("ul.search li a", "as => as.map(a => a.href)")
    assert any("ch00_arithmetic" in h for h in hits), hits

    # Navigation: "next" from the intro leads to the first chapter.
    page.goto(f"{server}/book/intro.html", wait_until="load")
    page.click("a.right-next")
    page.wait_for_load_state("load")
    assert page.url.endswith("/book/ch00_arithmetic.html")
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "ch00_arithmetic.png"), full_page=False)
    context.close()


# ---------------------------------------------------------------------------- apparatus
def test_bibliography_glossary_and_labelled_answers(site):
    """Citations resolve to the references page, glossary terms to the glossary, and every
    computed "Check your understanding" answer sits behind a toggle that says what it hides."""
    files = _toc_files()
    assert "book/glossary" in files and "book/references" in files
    references = (site / "book" / "references.html").read_text()
    entries = re.findall(r"^@\w+\{", (ROOT / "references.bib").read_text(), flags=re.M)
    assert references.count('role="doc-biblioentry"') == len(entries) >= 40
    for title in ("Gradient-based learning applied to document recognition",
                  "Deep residual learning for image recognition", "Group normalization"):
        assert title in references, title
    glossary = (site / "book" / "glossary.html").read_text()
    for term in ("term-MAC", "term-FLOP", "term-receptive-field", "term-depthwise-convolution"):
        assert f'id="{term}"' in glossary, term
    for chapter in CHAPTERS:
        page = (site / "book" / f"{chapter}.html").read_text()
        assert 'href="glossary.html#term-' in page, f"{chapter}: no glossary link"
        if chapter != "ch00_arithmetic":  # chapter 0 is arithmetic, it cites no paper
            assert 'href="references.html#' in page, f"{chapter}: no citation"
        assert "Check your understanding" in page
        assert "Show code cell" not in page, f"{chapter}: an unlabelled toggle"
        assert "Show the answers" in page, f"{chapter}: the answers toggle has no label"


# Measured in the browser on every page: the tables and figures of the text column must fit in
# it. An element inside a horizontally scrollable box fits when the box does (its caption must
# fit the box too); anything else must fit the column itself, and the page must never scroll
# sideways. Closed toggles are opened first, so that hidden answers are measured as well.
_LAYOUT_JS = """() => {
  for (const d of document.querySelectorAll('details')) d.open = true;
  const column = document.querySelector('article.bd-article') || document.querySelector('main');
  const col = column.getBoundingClientRect();
  const out = [];
  const name = el => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
      ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const scroller = el => {
    for (let box = el.parentElement; box && box !== column; box = box.parentElement) {
      const ox = getComputedStyle(box).overflowX;
      if (ox === 'auto' || ox === 'scroll') return box;
    }
    return null;
  };
  const outside = (r, c) => r.left < c.left - 1 || r.right > c.right + 1;
  for (const el of column.querySelectorAll('table, img, svg')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const box = scroller(el);
    if (box) {
      const b = box.getBoundingClientRect();
      if (outside(b, col)) out.push(`${name(el)}: its scroll box ${Math.round(b.width)} px ` +
                                    `overflows the ${Math.round(col.width)} px column`);
      const cap = el.tagName === 'TABLE' && el.querySelector(':scope > caption');
      if (cap && cap.getBoundingClientRect().width > b.width + 1)
        out.push(`${name(el)}: caption ${Math.round(cap.getBoundingClientRect().width)} px ` +
                 `wider than its ${Math.round(b.width)} px box`);
    } else if (outside(r, col)) {
      out.push(`${name(el)}: ${Math.round(r.width)} px at x=${Math.round(r.left - col.left)}, ` +
               `outside the ${Math.round(col.width)} px column`);
    }
  }
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1)
    out.push(`the page scrolls sideways: ${doc.scrollWidth} px in a ${window.innerWidth} px window`);
  return out;
}"""

_ALT_JS = """() => [...document.images].filter(img => {
  const alt = (img.getAttribute('alt') || '').trim();
  // docutils writes the file name when a figure has no alt text: that does not count.
  return !alt || alt === img.getAttribute('src') || /(^|\\/)[^ ]+\\.(png|jpe?g|gif|svg)$/i.test(alt);
}).map(img => img.getAttribute('src'))"""

_ERRATA_JS = """() => {
  const t = document.querySelector('table.cnnlib-errata');
  const box = t.parentElement;
  const heads = [...t.querySelectorAll('thead th')].map(th => th.getBoundingClientRect());
  return {table: t.getBoundingClientRect().width, box: box.clientWidth,
          scroll: box.scrollWidth, rows: t.querySelectorAll('tbody tr').length,
          stacked: getComputedStyle(t.querySelector('tbody tr')).display === 'block',
          // stacked cards hide the head row (a 1 px clipped box kept for screen readers)
          headsInside: heads.every(h => h.right <= box.getBoundingClientRect().right + 1)
                       || t.querySelector('thead').getBoundingClientRect().width <= 1};
}"""

SCREENSHOTS = ROOT / "_build" / "screenshots"


@pytest.mark.slow
@pytest.mark.parametrize("width", [400, 1400])
def test_browser_layout_fits_and_figures_have_alt_text(server, browser, width):
    """At a phone's and a desktop's width, on every page: tables and figures fit the column (or
    scroll in a box that does), every image has alt text, and no request leaves the site."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    external = _block_outside(context, server)
    page = context.new_page()
    problems: list[str] = []
    for f in _toc_files():
        assert page.goto(f"{server}/{f}.html", wait_until="load").ok, f
        problems += [f"{f} @{width}px: {p}" for p in page.evaluate(_LAYOUT_JS)]
        problems += [f"{f}: <img src={src}> has no alt text" for src in page.evaluate(_ALT_JS)]
    assert problems == [], "\n".join(problems)

    # The errata table: every column in view at 1400 px, stacked cards at 400 px; no sideways
    # scrolling at either width. The screenshots are for a person to look at.
    page.goto(f"{server}/book/errata.html", wait_until="load")
    errata = page.evaluate(_ERRATA_JS)
    assert errata["rows"] >= 10, errata
    assert errata["scroll"] <= errata["box"] + 1 and errata["headsInside"], errata
    assert errata["stacked"] == (width < 600), errata
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"errata-{width}.png"), full_page=True)
    assert external == [], f"requests that left the site: {sorted(set(external))}"
    context.close()


@pytest.mark.slow
def test_browser_math_renders_offline(server, browser):
    """MathJax ships with the site: with every request outside 127.0.0.1 blocked, a page with
    $...$ math still renders it (mjx-container elements), and MathJax came from the site."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    external = _block_outside(context, server)
    page = context.new_page()
    for f in ("book/ch00_arithmetic", "book/ch07_normalization", "book/glossary"):
        page.goto(f"{server}/{f}.html", wait_until="load")
        page.wait_for_selector("mjx-container", state="attached", timeout=30_000)
        assert page.eval_on_selector_all("mjx-container", "els => els.length") > 3, f
        scripts = page.eval_on_selector_all("script[src*='mathjax']", "ss => ss.map(s => s.src)")
        assert scripts and all(s.startswith(server) for s in scripts), scripts
    assert external == [], f"requests that left the site: {sorted(set(external))}"
    context.close()


def test_find_secrets_allows_markers_only_in_markdown_code_blocks(tmp_path):
    """The README's guide shows the source format in code blocks; a marker in prose, a
    notebook or a page is still a leak, and so is real solution code anywhere."""
    marker = "### BEGIN " + "SOLUTION"
    (tmp_path / "guide.md").write_text(f"Steps:\n\n   ```python\n   {marker}\n   x = 1\n   ```\n")
    assert find_secrets(tmp_path) == []
    (tmp_path / "prose.md").write_text(f"Then write {marker} above the answer.\n")
    (tmp_path / "page.html").write_text(f"<pre>{marker}</pre>")
    assert [p.split(":")[0] for p in find_secrets(tmp_path)] == ["page.html", "prose.md"]
