"""The front page: what Safety Desk is, and the way in for each audience."""

from __future__ import annotations

from flask import Blueprint, render_template

from flaskapp.access import public

bp = Blueprint("home", __name__)


@bp.get("/")
@public
def index() -> str:
    return render_template("home.html")
