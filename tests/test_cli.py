"""The ``mfcourse`` console script: --version, --help, unknown subcommands."""

import subprocess
import sys

import pytest

import mfcourse
from mfcourse.cli import main


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "mfcourse", *args], capture_output=True, text=True, timeout=60
    )


def test_version():
    r = run("--version")
    assert r.returncode == 0
    assert r.stdout.strip() == f"mfcourse {mfcourse.__version__}"


def test_help_lists_subcommands():
    r = run("--help")
    assert r.returncode == 0
    for sub in ("info", "lab"):
        assert sub in r.stdout


def test_unknown_subcommand_prints_usage_and_exits_2():
    r = run("no-such-command")
    assert r.returncode == 2
    assert "usage: mfcourse" in r.stderr
    assert "invalid choice" in r.stderr


def test_no_subcommand_prints_help(capsys):
    assert main([]) == 0
    assert "usage: mfcourse" in capsys.readouterr().out


def test_info_lists_overview(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "00_overview.ipynb" in out
    assert "numpy" in out


def test_console_script_installed():
    import shutil

    exe = shutil.which("mfcourse", path=str(__import__("pathlib").Path(sys.executable).parent))
    if exe is None:
        pytest.fail("the console script 'mfcourse' is not installed next to this Python")
    r = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0
