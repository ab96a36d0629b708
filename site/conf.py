"""Sphinx configuration of the course website (built by ``make site``; see
:mod:`mfcourse.course.site`, which stages the source folder and runs Sphinx with ``-c site``)."""

import hashlib
import os
from pathlib import Path

from mfcourse.course import site

# Pages depend on the site code (page generation, the maths adaptation below): a change to it
# must rebuild them, so its hash is a configuration value that invalidates the environment.
mfcourse_site_code = hashlib.sha256(
    Path(site.__file__).read_bytes() + Path(__file__).read_bytes()
).hexdigest()

project = "mfcourse — mean-field limits, shown happening"
author = "mfcourse developers"
copyright = "mfcourse developers"  # noqa: A001

extensions = ["myst_nb"]
root_doc = "index"
exclude_patterns = ["**/.ipynb_checkpoints", "**/README.md"]

# MyST: the notebooks' $...$ and $$...$$ maths, amsmath environments, and the raw <details>
# blocks of the Problems sections (passed through as HTML).
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
# Jupyter renders $$...$$ also when it sits inside a paragraph (no blank lines around it), and
# the notebooks are written for Jupyter: accept it here too.
myst_dmath_double_inline = True

# Execution: lectures and solutions run through jupyter-cache (re-run only when their code
# changed); exercise statements are shown as they are (they stop at NotImplementedError).
nb_execution_mode = "cache"
nb_execution_cache_path = str(site.BUILD / ".jupyter_cache")
nb_execution_timeout = 900
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_excludepatterns = ["exercises/[0-9]*.ipynb"]
nb_ipywidgets_js = {}  # no widget manager from a CDN: dashboards are exported as static HTML
os.environ["MFCOURSE_STATIC_DASHBOARDS"] = "1"  # inherited by the kernels

# Offline maths: MathJax 3 from the django-static-mathjax wheel, copied by the staging step.
html_static_path = [str(site.STAGE / "_mathjax")]
mathjax_path = "mathjax/tex-chtml.js"
mathjax3_config = {
    "tex": {"tags": "ams"},
    "options": {"processHtmlClass": "tex2jax_process|mathjax_process|math|output_area"},
}

html_theme = "sphinx_book_theme"
html_title = "Mean-field limits, shown happening"
html_favicon = "favicon.svg"  # also spares the browser a request for /favicon.ico
html_theme_options = {
    "repository_url": site.REPOSITORY,
    "repository_branch": "main",
    "path_to_docs": "",
    "use_repository_button": True,
    "use_download_button": True,
    "launch_buttons": {"binderhub_url": site.BINDER, "notebook_interface": "jupyterlab"},
    "show_toc_level": 2,
    "home_page_in_toc": True,
}
html_context = {"default_mode": "light"}
html_last_updated_fmt = None
html_show_sourcelink = False


def _jupyter_math(app, docname, source):
    """Notebooks are written for JupyterLab's maths rendering: adapt them for MyST."""
    if str(app.env.doc2path(docname)).endswith(".ipynb"):
        source[0] = site.notebook_for_myst(source[0])


def setup(app):
    app.add_config_value("mfcourse_site_code", "", "env")
    app.connect("source-read", _jupyter_math)
