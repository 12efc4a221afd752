"""The mails of on-call, in the recipient's language: a callout, and a relay to someone
who may not open the case. Both carry the reference and links; never the case's content.

A worker writes them, so the language is the recipient's stored one (``User.language``),
through :mod:`tools.base.translations`; the messages are in the web tool's catalogues.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import object_session

from tools.base.config import Settings
from tools.base.messages import N_, NP_
from tools.base.translations import addressed, translations
from tools.models import Alert, Callout, CaseSource, Category, Severity
from tools.oncall.rota import local_time

#: The same words as the request form's (flaskapp.requests), so one translation serves both.
CATEGORY_LABELS = {
    Category.THREAT: N_("Threat of harm (violence, self-harm, terrorism)"),
    Category.CHILD_PROTECTION: N_("Child protection"),
    Category.HARASSMENT: N_("Harassment"),
    Category.EVENT_SAFETY: N_("Event safety"),
    Category.TECHNICAL: N_("Technical threat (spam, long-term abuse, security hole)"),
    Category.PRIVACY: N_("Privacy (doxxing, oversight escalation)"),
    Category.ENGINEERING: N_("Engineering help from the Foundation"),
    Category.OTHER: N_("Other"),
}
#: The callout addresses its reader: French says "appelé"/"appelée", Arabic's verbs and
#: pronouns change with a man or a woman. Each message in the forms MediaWiki's
#: ``{{GENDER:}}`` would pick; a person whose gender is unknown reads the neutral one.
CALLED_OUT = N_("You were called out for the emergency %(reference)s (%(category)s).")
ACKNOWLEDGE_IT = N_("Acknowledge it (you take the case; sign-in needed):")
GENDERED = (
    NP_("male", "You were called out for the emergency %(reference)s (%(category)s)."),
    NP_("female", "You were called out for the emergency %(reference)s (%(category)s)."),
    NP_("male", "Acknowledge it (you take the case; sign-in needed):"),
    NP_("female", "Acknowledge it (you take the case; sign-in needed):"),
)
SEVERITY_LABELS = {
    Severity.EMERGENCY: N_("Emergency"),
    Severity.HIGH: N_("High"),
    Severity.NORMAL: N_("Normal"),
    Severity.LOW: N_("Low"),
}


def callout_mail(
    callout: Callout, token: str, settings: Settings, now: datetime
) -> tuple[str, str]:
    """Subject and body of a callout: reference, category, links; never the case's content."""
    catalogue = translations(callout.user.language if callout.user else None)
    _ = catalogue.gettext
    gender = callout.user.gender if callout.user else None
    case = callout.case
    category = _(CATEGORY_LABELS[case.category])
    expires = now + timedelta(hours=settings.oncall_ack_link_hours)
    zone = callout.user.timezone if callout.user else "UTC"
    filed_local = local_time(case.created_at, zone)
    lines = [
        _("Emergency callout for case %(reference)s") % {"reference": case.reference},
        "",
        addressed(catalogue, gender, CALLED_OUT)
        % {"reference": case.reference, "category": category},
        "",
        _("Category: %(category)s") % {"category": category},
        _("Severity: %(severity)s") % {"severity": _(SEVERITY_LABELS[case.severity])},
        _("Filed: %(utc)s UTC (%(local)s %(zone)s)")
        % {
            "utc": f"{case.created_at:%Y-%m-%d %H:%M}",
            "local": f"{filed_local:%H:%M}",
            "zone": zone,
        },
        _("Callout: step %(step)s of %(steps)s, round %(round)s of %(rounds)s")
        % {
            "step": callout.step + 1,
            "steps": len(settings.oncall_policy),
            "round": callout.round + 1,
            "rounds": settings.oncall_policy_repeat + 1,
        },
        "",
        addressed(catalogue, gender, ACKNOWLEDGE_IT),
        f"{settings.public_url}/oncall/ack/{token}",
        _("The link works once, until %(time)s UTC.") % {"time": f"{expires:%Y-%m-%d %H:%M}"},
        "",
        _("Nobody acknowledging means the next people are called out."),
        _("The case: %(url)s") % {"url": f"{settings.public_url}/queue/{case.reference}"},
        *(
            _("The alert that raised it: %(url)s") % {"url": f"{settings.public_url}/alerts/{i}"}
            for i in _alerts_of(callout)
        ),
        "",
        _("— Safety Desk"),
    ]
    subject = _("[%(reference)s] Emergency callout (%(category)s)") % {
        "reference": case.reference,
        "category": category,
    }
    return subject, "\n".join(lines) + "\n"


def _alerts_of(callout: Callout) -> list[int]:
    """The patrol's alerts that raised the case by themselves (tools.patrol.alert_emergency)."""
    session = object_session(callout)
    if session is None or callout.case.source != CaseSource.ALERT:
        return []
    return list(session.scalars(select(Alert.id).where(Alert.case_id == callout.case_id)))


def relay_mail(callout: Callout, settings: Settings) -> tuple[str, str]:
    """To someone paged who may not open the case: the reference only, and what is needed.

    A restricted emergency reached nobody who may open it; they are asked to find a
    restricted specialist. No category, no link to acknowledge: they cannot take it.
    """
    _ = translations(callout.user.language if callout.user else None).gettext
    reference = callout.case.reference
    lines = [
        _("Emergency %(reference)s needs a restricted specialist now.") % {"reference": reference},
        "",
        _(
            "Nobody on call who may open this case could be reached, and you may not open it "
            "yourself. Please reach a restricted specialist (phone, chat) and give them the "
            "reference above."
        ),
        _("The rota: %(url)s") % {"url": f"{settings.public_url}/oncall"},
        "",
        _("This mail carries the reference only, nothing of the case."),
        "",
        _("— Safety Desk"),
    ]
    subject = _("[%(reference)s] Emergency: a restricted specialist is needed") % {
        "reference": reference
    }
    return subject, "\n".join(lines) + "\n"
