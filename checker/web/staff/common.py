"""Shared pieces of the staff pages: the blueprint, the staff-only guard, the live snapshot, the signed-in author."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app
from flask_login import current_user, login_required

from checker.staff import store
from checker.staff.gitrepo import GitError
from checker.staff.live import LivePack, Snapshot
from checker.web.services import services

_COMMITTED: dict[str, store.Files] = {}  # "folder@HEAD" -> its rule files (one entry: git is read once per commit)
bp = Blueprint("staff", __name__, url_prefix="/staff", static_folder="static", static_url_path="/static")


def staff_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Only signed-in staff may see the view: others get 403, anonymous users the sign-in page."""
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if getattr(current_user, "role", None) != "staff":
            abort(403)
        if services().live is None:
            abort(503)
        return view(*args, **kwargs)

    return login_required(wrapped)


def live() -> LivePack:
    """The app's live-pack holder."""
    return current_app.extensions["staff"]


def snapshot() -> Snapshot:
    """The live pack this request uses."""
    return services().snapshot()


def seeds() -> Path:
    """The seeds folder drafts are checked against."""
    return live().seeds


def author() -> str:
    """The signed-in staff member's email."""
    return str(getattr(current_user, "email", ""))


def committed() -> store.Files:
    """The committed rule files drafts are published onto (the live snapshot's when there is no repository, or it
    cannot be read): after a broken commit they differ from the live pack, which stays the last good one."""
    repo = live().repo
    if repo is not None:
        try:
            head = repo.head()
            key = f"{repo.rules}@{head}"
            if key not in _COMMITTED:
                _COMMITTED.clear()
                _COMMITTED[key] = repo.files(head)
            return dict(_COMMITTED[key])
        except GitError:
            pass
    return snapshot().files
