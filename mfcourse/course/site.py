"""The course as a website: an offline Sphinx + MyST-NB build of the executed lectures.

``make site`` (``python -m mfcourse.course.site``) stages a source folder ``_build/site-src``:

* ``index.md`` — the landing page, made from the README (its opening paragraph, "Run it" and the
  map section), with the lecture table linked to the pages;
* ``exercises.md`` — every exercise with its statement page and its solution page;
* ``bibliography.md`` — each lecture's ``## References`` section, gathered;
* ``lectures``, ``exercises`` — links to the course's own folders (nothing is copied).

Then Sphinx (configuration in ``site/conf.py``) builds ``_build/html``. Lectures and exercise
solutions are executed through MyST-NB's jupyter-cache (``_build/.jupyter_cache``): a notebook whose
code did not change is not executed again, and a notebook that raises fails the build with the
cell's traceback. Dashboards are exported as static pages (:class:`mfcourse.course.dashboard.
StaticDashboard`); MathJax is served from the build (``django-static-mathjax``, no CDN), so the
site needs no network, neither to build nor to read.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from mfcourse.info import course_root

ROOT = course_root()
BUILD = ROOT / "_build"
STAGE = BUILD / "site-src"
HTML = BUILD / "html"
#: The public repository the launch buttons point at (the README's Binder badge uses the same).
REPOSITORY = "https://github.com/mfcourse/mfcourse"
BINDER = "https://mybinder.org"


# --------------------------------------------------------------------------------------------
# Jupyter-flavoured maths in MyST
# --------------------------------------------------------------------------------------------
# JupyterLab protects $...$ and $$...$$ from the Markdown parser before it parses a cell; MyST
# parses blocks first. Three things the lectures write (correctly, for Jupyter) then break:
# a $$ display inside a paragraph whose lines start with "+ " or "- " (read as list items), an
# inline formula wrapped so that a line starts with such a marker, and "|" inside a formula in a
# table row (read as a column separator). The site rewrites them before MyST sees them.
_LIST_START = re.compile(r"^(\s*(?:>\s*)*)\s*([-+*]|\d+[.)])\s")
_QUOTE = re.compile(r"^((?:\s*>)*\s*)")


def _single_dollars(line: str) -> int:
    return len(re.findall(r"(?<![\\$])\$(?!\$)", line))


def jupyter_math_for_myst(markdown: str) -> str:
    """Rewrite a Markdown cell written for JupyterLab so that MyST renders its maths the same."""
    lines = markdown.split("\n")
    out: list[str] = []
    in_display = False
    inline_open = False
    for line in lines:
        quote = _QUOTE.match(line).group(1)
        body = line[len(quote) :]
        if body.strip().startswith("$$") and not in_display and body.strip().count("$$") == 1:
            if out and out[-1][len(_QUOTE.match(out[-1]).group(1)) :].strip():
                out.append(quote.rstrip())  # a blank line (inside the same quote) before $$
            out.append(line)
            in_display = True
            continue
        if in_display:
            out.append(line)
            if body.strip().endswith("$$"):
                in_display = False
                out.append(quote.rstrip())  # and one after
            continue
        if inline_open and _LIST_START.match(line) and out:
            out[-1] = out[-1] + " " + body.strip()  # a wrapped formula, not a list item
        elif body.lstrip().startswith("|"):
            out.append(re.sub(r"\$[^$]+\$", lambda m: m.group(0).replace("|", r"\vert "), line))
        else:
            out.append(line)
        if _single_dollars(body) % 2:
            inline_open = not inline_open
        if not body.strip():
            inline_open = False
    return "\n".join(out)


def notebook_for_myst(source: str) -> str:
    """:func:`jupyter_math_for_myst` on every Markdown cell of a notebook (JSON text)."""
    nb = json.loads(source)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = jupyter_math_for_myst(text)
    return json.dumps(nb, ensure_ascii=False)


def _section(text: str, name: str) -> str:
    m = re.search(rf"<!-- section: {name} -->\n(.*?)<!-- /section: {name} -->", text, re.S)
    if not m:
        raise ValueError(f"README.md has no '<!-- section: {name} -->' block")
    return m.group(1).strip()


def _title(nb_path: Path) -> str:
    nb = json.loads(nb_path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            first = "".join(cell["source"]).strip().splitlines()[0]
            return first.lstrip("# ").strip()
    return nb_path.stem


def _doc_links(markdown: str) -> str:
    """`lectures/NN_name.ipynb` in backticks becomes a link to that page."""

    def link(m):
        path = m.group(1)
        return f"{{doc}}`{path} <{path[: -len('.ipynb')]}>`"

    return re.sub(r"`((?:lectures|exercises)/[\w/]+\.ipynb)`", link, markdown)


def landing_page(readme: str) -> str:
    lead = readme.split("\n## ", 1)[0].split("\n", 1)[1].strip()
    run = re.search(r"\n## Run it\n(.*?)\n(?=<!-- section|## )", readme, re.S).group(1).strip()
    run = re.sub(r"\[!\[Binder\].*\n?", "", run).strip()
    lectures = sorted((ROOT / "lectures").glob("*.ipynb"))
    toc = "\n".join(f"lectures/{p.stem}" for p in lectures)
    return f"""# Mean-field limits, shown happening

{lead}

```{{toctree}}
:caption: Lectures
:maxdepth: 1

{toc}
```

```{{toctree}}
:caption: Practice and sources
:maxdepth: 1

exercises
bibliography
```

## Read, then play

Every lecture page below is the notebook *executed*: its figures, printed numbers and closing
Checks. The explorers (sliders) that scrub precomputed data work on the page; the ones that
compute need a kernel. Each page has a **launch** button (Binder, in the top bar, the rocket) that
opens the same notebook in JupyterLab, and a **download** button for the `.ipynb`. To run the
course on your own machine:

{run}

{_doc_links(_section(readme, "map"))}
"""


def exercises_page() -> str:
    rows = []
    for sol in sorted((ROOT / "exercises/solutions").glob("[0-9]*.ipynb")):
        student = ROOT / "exercises" / sol.name
        statement = f"{{doc}}`statement <exercises/{sol.stem}>`" if student.is_file() else "—"
        rows.append(
            f"| {sol.stem[:2]} | {_title(sol)} | {statement} | "
            f"{{doc}}`solution <exercises/solutions/{sol.stem}>` |"
        )
    hidden = "\n".join(
        [f"exercises/{p.stem}" for p in sorted((ROOT / "exercises").glob("[0-9]*.ipynb"))]
        + [
            f"exercises/solutions/{p.stem}"
            for p in sorted((ROOT / "exercises/solutions").glob("[0-9]*.ipynb"))
        ]
    )
    return f"""# Exercises

Each exercise comes as a *statement* (the notebook you work in: fill in the cells that raise
`NotImplementedError`, leave the graded tests alone) and a *solution* (executed, with its graded
tests passing). Try the statement before opening the solution. Grade your own work with
`.venv/bin/mfcourse grade` (see the README's "Grade your exercises").

| no. | exercise | statement | solution |
| --- | --- | --- | --- |
{chr(10).join(rows)}

```{{toctree}}
:hidden:

{hidden}
```
"""


def bibliography_page() -> str:
    parts = [
        "# Bibliography",
        "",
        "The course follows five seed documents; each lecture lists what it cites and what for.",
        "",
        "- F. Golse, *Mean-field limits in statistical dynamics* (lecture notes) — "
        "lectures 1–3, 7.",
        "- F. Golse, C. Mouhot, T. Paul, *On the mean-field and classical limits of quantum "
        "mechanics* — lecture 3.",
        "- T. Paul, M. Pulvirenti, S. Simonella, *On the size of chaos in the mean-field "
        "dynamics* — lecture 4.",
        "- C. Saffirio, on Hartree–Fock → Vlasov in the semiclassical mean-field scaling — "
        "lecture 5.",
        "- R. Neiss, P. Pickl, on the Hamiltonian Vlasov system — lecture 6.",
        "",
    ]
    for nb_path in sorted((ROOT / "lectures").glob("*.ipynb")):
        nb = json.loads(nb_path.read_text())
        text = "\n\n".join(
            "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"
        )
        m = re.search(r"^## References[^\n]*\n(.*?)(?=^## |\Z)", text, re.M | re.S)
        if not m:
            continue
        parts += [
            f"## {_title(nb_path)}",
            "",
            f"From {{doc}}`the lecture <lectures/{nb_path.stem}>`:",
            "",
        ]
        parts += [re.sub(r"^(#{1,3}) ", r"#\1## ", m.group(1).strip(), flags=re.M), ""]
    return "\n".join(parts)


#: What the pages need of MathJax 3 (its es5 build): the TeX-to-CHTML component, the TeX
#: extensions it loads on demand, the CHTML fonts and the menu.
MATHJAX_PARTS = ("tex-chtml.js", "input", "output/chtml", "ui", "a11y", "adaptors")


def stage_mathjax() -> Path:
    """Copy MathJax from the installed ``django-static-mathjax`` wheel (no CDN, no network)."""
    try:
        import mathjax
    except ImportError as exc:
        raise SystemExit(
            "[mfcourse] the site needs MathJax from the package django-static-mathjax: "
            "run `make setup` (it is in the test extra)"
        ) from exc
    es5 = Path(mathjax.__path__[0]) / "static" / "mathjax" / "es5"
    target = STAGE / "_mathjax" / "mathjax"
    if not (target / "tex-chtml.js").is_file():
        for part in MATHJAX_PARTS:
            src, dst = es5 / part, target / part
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(src, dst) if src.is_dir() else shutil.copy2(src, dst)
    return target


def stage() -> None:
    """Write the generated pages and link the course's folders into ``_build/site-src``."""
    STAGE.mkdir(parents=True, exist_ok=True)
    stage_mathjax()
    readme = (ROOT / "README.md").read_text()
    pages = {
        "index.md": landing_page(readme),
        "exercises.md": exercises_page(),
        "bibliography.md": bibliography_page(),
    }
    for name, text in pages.items():
        target = STAGE / name
        if not target.is_file() or target.read_text() != text:  # unchanged pages stay unread
            target.write_text(text)
    for folder in ("lectures", "exercises"):
        link = STAGE / folder
        if link.is_symlink() or link.exists():
            if link.is_symlink() and link.resolve() == (ROOT / folder).resolve():
                continue
            link.unlink() if link.is_symlink() else shutil.rmtree(link)
        link.symlink_to(ROOT / folder, target_is_directory=True)


def build(clean: bool = False, jobs: str = "1") -> float:
    """Stage and build the site into ``_build/html``; returns the wall time in seconds.

    Raises ``SystemExit`` with Sphinx's exit status when the build fails (a notebook that raises
    is such a failure: its traceback is printed)."""
    t0 = time.perf_counter()
    if clean:
        for path in (HTML, BUILD / "doctrees", BUILD / ".jupyter_cache", STAGE):
            shutil.rmtree(path, ignore_errors=True)
    stage()
    env = {**os.environ, "MFCOURSE_STATIC_DASHBOARDS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    cmd = [
        sys.executable, "-m", "sphinx", "-b", "html", "-c", str(ROOT / "site"),
        "-d", str(BUILD / "doctrees"), "-j", jobs, "--fail-on-warning", "--keep-going",
        str(STAGE), str(HTML),
    ]  # fmt: skip
    print("[mfcourse] building the site:", " ".join(cmd[2:]), flush=True)
    rc = subprocess.call(cmd, env=env, cwd=ROOT)
    if rc != 0:
        raise SystemExit(f"[mfcourse] the site build failed (sphinx exit {rc}); see above")
    elapsed = time.perf_counter() - t0
    print(f"[mfcourse] site built in {elapsed:.0f} s: {HTML / 'index.html'}", flush=True)
    return elapsed


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m mfcourse.course.site", description=__doc__)
    parser.add_argument("--clean", action="store_true", help="forget the cache, build anew")
    parser.add_argument("-j", "--jobs", default="1", help="Sphinx processes (default 1)")
    args = parser.parse_args(argv)
    build(clean=args.clean, jobs=args.jobs)


if __name__ == "__main__":
    main()
