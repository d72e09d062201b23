"""A built wheel, installed in a fresh venv away from the checkout, lints a rules folder and serves the app."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from checker.config import PROJECT_ROOT

# The fresh venv must see only its own copy of checker, never a checkout on PYTHONPATH.
CLEAN = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project built as a wheel (setuptools from the package index, as pip does), from a copy of the checkout
    without its build products: pip builds in the tree, and a stale build/ kept renamed migrations twice."""
    out, source = tmp_path_factory.mktemp("wheel"), tmp_path_factory.mktemp("source") / "project"
    shutil.copytree(PROJECT_ROOT, source, ignore=shutil.ignore_patterns(
        "build", "dist", "*.egg-info", ".venv", ".git", "instance", "test-artifacts", "__pycache__", ".pytest_cache",
        ".mypy_cache", ".ruff_cache", ".hypothesis"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
                   check=True, capture_output=True)
    return next(out.glob("*.whl"))


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding only the wheel; its dependencies come from this venv's site-packages."""
    root = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)  # pip comes from outside:
    subprocess.run([sys.executable, "-m", "pip", "--python", str(root / "bin" / "python"), "install", "-q",  # ensurepip
                    "--no-deps", "--no-index", str(wheel)], check=True, env=CLEAN)  # cost seconds for nothing tested
    site = next((root / "lib").glob("python3*/site-packages"))
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return root


def test_the_wheel_carries_every_module_template_and_migration(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(PROJECT_ROOT).as_posix() for p in (PROJECT_ROOT / "checker").rglob("*.py")}
    assert modules <= names, sorted(modules - names)
    templates = {"checker/" + p.relative_to(PROJECT_ROOT).as_posix() for p in (PROJECT_ROOT / "templates").rglob("*.html")}
    assert templates <= names, sorted(templates - names)
    migrations = {"checker/" + p.relative_to(PROJECT_ROOT).as_posix() for p in (PROJECT_ROOT / "migrations").rglob("*.py")}
    assert migrations <= names and "checker/migrations/alembic.ini" in names
    assert "checker/web/static/style.css" in names
    catalogue = {p.relative_to(PROJECT_ROOT).as_posix() for p in (PROJECT_ROOT / "checker" / "translations").rglob("*.mo")}
    assert catalogue and catalogue <= names, sorted(catalogue - names)


def test_the_installed_checker_lints_a_rules_folder_given_by_path(venv: Path, tmp_path: Path) -> None:
    shutil.copytree(PROJECT_ROOT / "rules", tmp_path / "rules")
    shutil.copytree(PROJECT_ROOT / "seeds", tmp_path / "seeds")
    done = subprocess.run([venv / "bin" / "checker", "--rules", str(tmp_path / "rules"), "rules", "lint"],
                          cwd=tmp_path, capture_output=True, text=True, env=CLEAN)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: ")
    assert _imported_from(venv, tmp_path).startswith(str(venv))


def test_the_installed_checker_finds_its_own_seeds_for_rules_anywhere(venv: Path, tmp_path: Path) -> None:
    shutil.copytree(PROJECT_ROOT / "rules", tmp_path / "elsewhere" / "rules")  # no seeds/ beside it
    done = subprocess.run([venv / "bin" / "checker", "--rules", str(tmp_path / "elsewhere" / "rules"), "rules", "lint"],
                          cwd=tmp_path, capture_output=True, text=True, env=CLEAN)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_installed_app_serves_the_form_from_its_own_templates(venv: Path, tmp_path: Path) -> None:
    shutil.copytree(PROJECT_ROOT / "rules", tmp_path / "rules")
    shutil.copytree(PROJECT_ROOT / "seeds", tmp_path / "seeds")
    port = _free_port()
    command = [venv / "bin" / "checker", "--rules", str(tmp_path / "rules"), "serve", "--port", str(port)]
    with subprocess.Popen(command, cwd=tmp_path, env=CLEAN, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as server:
        try:
            page = _get(f"http://127.0.0.1:{port}/", server)
            css = _get(f"http://127.0.0.1:{port}/static/style.css", server)
        finally:
            server.terminate()
    assert "统一社会信用代码" in page
    assert "政策申报自评" in page and "app_title" not in page  # texts from the wheel's own compiled catalogue
    assert "/static/style.css" in page and "{" in css


def _imported_from(venv: Path, cwd: Path) -> str:
    """Where the venv's python imports checker from, run away from the checkout."""
    done = subprocess.run([venv / "bin" / "python", "-c", "import checker; print(checker.__file__)"],
                          cwd=cwd, capture_output=True, text=True, check=True, env=CLEAN)
    return done.stdout.strip()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, server: subprocess.Popen[bytes], seconds: float = 60) -> str:
    """The page at url once the server answers (fails with its stderr if it dies first)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(server.stderr.read().decode() if server.stderr else "server exited")
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return answer.read().decode()
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"no answer from {url} in {seconds} s")
