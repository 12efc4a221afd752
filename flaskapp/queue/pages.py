"""The queue and a case's page: what a specialist reads before acting."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, render_template, request
from flask_babel import gettext

from flaskapp.access import current_user, current_user_row, may_see_restricted, requires
from flaskapp.choices import options
from flaskapp.context import db, settings
from flaskapp.queue.blueprint import bp, case_or_404
from flaskapp.queue.forms import (
    STATUS_LABELS,
    AssignForm,
    CannedPickForm,
    EscalateForm,
    FilterForm,
    HandOverForm,
    JoinForm,
    MoveForm,
    NoteForm,
    ReplyForm,
    labels,
)
from tools import cases
from tools.base import clock
from tools.cases import canned as canned_responses
from tools.cases import related
from tools.cases.queue import QueueFilters, queue
from tools.locks import LockStatus, lock_statuses
from tools.mail.folding import fold
from tools.mail.view import case_mail, is_image
from tools.models import Case, User
from tools.people.roles import Permission

#: "Also open by": views of the last few minutes by other people.
ALSO_OPEN_WINDOW = timedelta(minutes=5)


@bp.get("")
@requires(Permission.VIEW_QUEUE)
def index() -> str:
    form = FilterForm(request.args)
    filters = form.to_filters() if form.validate() else QueueFilters()
    me = current_user()
    assert me is not None
    result = queue(
        db(), filters, me.id, may_see_restricted(), clock.now(), settings().sla_warning_share
    )
    args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template("queue/index.html", form=form, result=result, args=args, **labels())


@bp.get("/<reference>")
@requires(Permission.VIEW_QUEUE)
def show(reference: str) -> str:
    case = case_or_404(reference)
    me = current_user_row()
    also_open = cases.viewers_since(db(), case, me, clock.now() - ALSO_OPEN_WINDOW)
    cases.record_view(db(), case, me)
    db().commit()
    return render_case(case, me, also_open, reply_form=_reply_with_canned(case))


def _reply_with_canned(case: Case) -> ReplyForm | None:
    """The reply box filled with the chosen canned response, ready to be edited, if one was."""
    key = request.args.get("canned", "")
    if not key:
        return None
    try:
        text = canned_responses.text_for(db(), key, request.args.get("language", ""), case)
    except canned_responses.CannedError as err:
        flash(gettext(err.message, **err.variables), "error")
        return None
    return ReplyForm(formdata=None, prefix="reply", data={"body": text})


def _case_language(case: Case) -> str:
    """The language to answer in: the requester's, as far as canned responses have it."""
    wanted = (case.requester.language if case.requester else None) or ""
    for code in (wanted.lower(), wanted.lower().split("-")[0]):
        if code in canned_responses.LANGUAGES:
            return code
    return canned_responses.FALLBACK_LANGUAGE


def render_case(
    case: Case,
    me: User,
    also_open: list[str] | None = None,
    note_form: NoteForm | None = None,
    reply_form: ReplyForm | None = None,
) -> str:
    pick_form = CannedPickForm(request.args, language=_case_language(case))
    pick_form.canned.choices = options(
        [("", gettext("Choose…"))]
        + [(entry.key, entry.title) for entry in canned_responses.all_sets(db())]
    )
    move_form = MoveForm(formdata=None)
    move_form.status.choices = options(
        (s.value, STATUS_LABELS[s]) for s in cases.allowed_moves(case.status)
    )
    return render_template(
        "queue/show.html",
        case=case,
        me=me,
        also_open=also_open or [],
        clocks=cases.sla_clocks(case, clock.now(), settings().sla_warning_share),
        note_form=note_form or NoteForm(formdata=None, prefix="note"),
        reply_form=reply_form or ReplyForm(formdata=None, prefix="reply"),
        move_form=move_form,
        assign_form=AssignForm(formdata=None),
        hand_over_form=HandOverForm(formdata=None, prefix="handover"),
        escalate_form=EscalateForm(formdata=None, prefix="escalate"),
        pick_form=pick_form,
        related=related.related_cases(db(), case, may_see_restricted()),
        merged_from=related.merged_from(db(), case),
        join_form=JoinForm(formdata=None, prefix="join"),
        lock_status=_lock_statuses(case),
        mail=case_mail(db(), case),
        fold=fold,
        is_image=is_image,
        **labels(),
    )


def _lock_statuses(case: Case) -> dict[str, LockStatus]:
    """Each involved account's or IP's standing in the global lock and block log, now."""
    me = current_user()
    return lock_statuses(
        db(),
        [subject.value for subject in case.subjects],
        include_suppressed=me is not None and me.can(Permission.VIEW_SUPPRESSED_LOCKS),
    )
