"""The layout renders in any app: language and direction, the signed-in header, messages."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import Blueprint, Flask, flash, render_template

import flaskapp
from flaskapp import home, security


def _bare_app(*, with_auth: bool) -> Flask:
    """The layout's needs and nothing else; ``with_auth`` adds stand-ins for sign-in/out."""
    app = Flask(flaskapp.__name__)
    app.config.update(SECRET_KEY="test-secret", WTF_CSRF_ENABLED=True)
    security.init_app(app)
    app.register_blueprint(home.bp)
    if with_auth:
        auth = Blueprint("auth", __name__)
        auth.add_url_rule("/login", "login", lambda: "")
        auth.add_url_rule("/logout", "logout", lambda: "", methods=["POST"])
        app.register_blueprint(auth)
    return app


def _render(app: Flask, **context: object) -> str:
    with app.test_request_context():
        return render_template("home.html", **context)


STEWARD = SimpleNamespace(username="Example Steward", roles=["specialist", "functionary"])


def test_page_defaults_to_english_left_to_right() -> None:
    html = _render(_bare_app(with_auth=False))

    assert '<html lang="en" dir="ltr">' in html
    assert "/static/codex/codex.style.css?v=" in html
    assert "codex.style-rtl.css" not in html


def test_right_to_left_page_loads_the_right_to_left_codex() -> None:
    html = _render(_bare_app(with_auth=False), page_language="fa", page_direction="rtl")

    assert '<html lang="fa" dir="rtl">' in html
    assert "/static/codex/codex.style-rtl.css?v=" in html
    assert "codex.style.css" not in html


def test_signed_in_header_shows_name_roles_and_sign_out_form() -> None:
    html = _render(_bare_app(with_auth=True), current_user=STEWARD)

    assert '<span class="sd-user__name">Example Steward</span>' in html
    assert html.index('data-role="functionary"') < html.index('data-role="specialist"')
    assert '<form class="sd-user__sign-out" method="post" action="/logout">' in html
    assert '<input type="hidden" name="csrf_token" value="' in html
    assert 'href="/login"' not in html


def test_signed_out_header_links_to_sign_in() -> None:
    html = _render(_bare_app(with_auth=True))

    assert 'href="/login"' in html
    assert "sd-user" not in html


def test_header_renders_before_the_sign_in_blueprint_exists() -> None:
    signed_out = _render(_bare_app(with_auth=False))
    signed_in = _render(_bare_app(with_auth=False), current_user=STEWARD)

    assert "/login" not in signed_out
    assert "Example Steward" in signed_in
    assert "<form" not in signed_in


@pytest.mark.parametrize(
    ("category", "css_class", "announce"),
    [
        ("error", "cdx-message--error", 'role="alert"'),
        ("warning", "cdx-message--warning", 'aria-live="polite"'),
        ("success", "cdx-message--success", 'aria-live="polite"'),
        ("notice", "cdx-message--notice", 'aria-live="polite"'),
        ("message", "cdx-message--notice", 'aria-live="polite"'),
        ("something-else", "cdx-message--notice", 'aria-live="polite"'),
    ],
)
def test_flashed_message_shows_as_codex_message(
    category: str, css_class: str, announce: str
) -> None:
    app = _bare_app(with_auth=False)
    with app.test_request_context():
        flash("Saved <b>100%</b>.", category)
        html = render_template("home.html")

    message = html[html.index('<div class="sd-messages">') :]
    message = message[: message.index("</div>\n</div>")]
    assert css_class in message
    assert announce in message
    assert "Saved &lt;b&gt;100%&lt;/b&gt;." in message


def test_translation_fallback_fills_in_variables_and_yields_to_a_real_one() -> None:
    app = _bare_app(with_auth=False)
    render = app.jinja_env.from_string

    assert render('{{ _("Hello %(name)s", name="<you>") }}').render() == "Hello &lt;you&gt;"
    assert render('{{ _("100%") }}').render() == "100%"

    babel_like = Flask(flaskapp.__name__)
    babel_like.jinja_env.globals["_"] = str.upper
    security.init_app(babel_like)
    assert babel_like.jinja_env.from_string('{{ _("x") }}').render() == "X"
