"""The website's generated pages (mfcourse.course.site), without building the site."""

import json
import re

from mfcourse.course import site


def test_landing_page_links_every_lecture_and_keeps_the_readme_map():
    readme = (site.ROOT / "README.md").read_text()
    page = site.landing_page(readme)
    for nb in sorted((site.ROOT / "lectures").glob("*.ipynb")):
        assert f"lectures/{nb.stem}" in page, f"{nb.name} is missing from the landing page"
    assert "make course" in page and "make test" in page, "the two commands"
    assert "N-body quantum" in page, "the diagram of the README's map"
    assert "{doc}`lectures/01_newton_to_vlasov.ipynb <lectures/01_newton_to_vlasov>`" in page


def test_exercises_page_has_statement_and_solution_of_every_exercise():
    page = site.exercises_page()
    for sol in sorted((site.ROOT / "exercises/solutions").glob("[0-9]*.ipynb")):
        assert f"<exercises/solutions/{sol.stem}>" in page
        assert f"<exercises/{sol.stem}>" in page


def test_bibliography_gathers_the_lectures_references():
    page = site.bibliography_page()
    for nb in sorted((site.ROOT / "lectures").glob("*.ipynb")):
        cells = json.loads(nb.read_text())["cells"]
        has_refs = any(
            re.search(r"^## References", "".join(c["source"]), re.M)
            for c in cells
            if c["cell_type"] == "markdown"
        )
        assert (f"<lectures/{nb.stem}>" in page) == has_refs, nb.name


def test_jupyter_maths_is_adapted_for_myst():
    """Display maths inside a paragraph, wrapped formulas, and '|' in table formulas."""
    f = site.jupyter_math_for_myst
    out = f("we get\n$$\na\n+ b\n$$\nso")
    assert out == "we get\n\n$$\na\n+ b\n$$\n\nso", "a $$ block stands alone (no '+ b' list)"
    assert f("> as $e^{t}\n>   - 1$ says") == "> as $e^{t} - 1$ says", "a wrapped formula"
    assert f("- one $a$\n- two") == "- one $a$\n- two", "real lists stay lists"
    assert f("| $|x|$ | y |") == r"| $\vert x\vert $ | y |", "table cells keep their formula"
    assert f("x | $|a|$") == "x | $|a|$", "outside tables '|' is left alone"
