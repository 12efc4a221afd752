"""The team's dashboard: backlog, response and resolution times against the SLA, breaches,
volume and alert precision, each as a chart drawn here (:mod:`flaskapp.charts`) with its
numbers in a table beside it.

Numbers only, from :mod:`tools.metrics`: no case, requester, specialist or account is
named, so restricted cases are counted like the others.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request
from flask_babel import gettext, lazy_gettext

from flaskapp import charts
from flaskapp.access import requires
from flaskapp.alerts import ALERT_CATEGORY_LABELS
from flaskapp.context import db, settings
from flaskapp.requests import CATEGORY_LABELS, SEVERITY_LABELS
from tools.base import clock
from tools.cases import metrics
from tools.models import Category, Severity
from tools.people.roles import Permission

bp = Blueprint("metrics", __name__, url_prefix="/metrics")

PERIODS = (30, 90, 365)
DEFAULT_PERIOD = 30
PERIOD_LABELS = {
    30: lazy_gettext("Last 30 days"),
    90: lazy_gettext("Last 90 days"),
    365: lazy_gettext("Last 365 days"),
}


def minutes(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 60, 1)


def hours(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 1)


def percent(share: float | None) -> int | None:
    return None if share is None else round(share * 100)


def _alert_label(category: str) -> str:
    if category == "all":
        return gettext("All alerts")
    if category in ALERT_CATEGORY_LABELS:  # the classifier's categories
        return str(ALERT_CATEGORY_LABELS[category])
    try:
        return str(CATEGORY_LABELS[Category(category)])
    except (ValueError, KeyError):
        return category


def _duration_bars(stats: list[metrics.DurationStats], unit: object) -> charts.Bars:
    """Per severity: median, 90th percentile and target, in ``unit`` (minutes or hours)."""
    items = []
    for row in stats:
        label = str(SEVERITY_LABELS[row.severity])
        for key, name, value in (
            ("median", gettext("median"), row.median),
            ("p90", gettext("90th percentile"), row.p90),
            ("target", gettext("target"), row.target),
        ):
            number = unit(value)  # type: ignore[operator]
            items.append((f"{row.severity.value}-{key}", f"{label}: {name}", round(number or 0)))
    return charts.bars(items, width=480, label_width=200)


@bp.get("")
@requires(Permission.VIEW_QUEUE)
def index() -> str:
    days = request.args.get("days", DEFAULT_PERIOD, type=int)
    if days not in PERIODS:
        days = DEFAULT_PERIOD
    session, config = db(), settings()
    until = clock.now()
    since = until - timedelta(days=days)
    backlog = metrics.open_backlog(session)
    first = metrics.first_response_times(session, since, until, config)
    resolution = metrics.resolution_times(session, since, until, config)
    broken = metrics.breaches(session, since, until, until)
    weekly = metrics.weekly_volume(session, since, until)
    alerts = metrics.alert_precision(session, since, until)

    by_category: dict[Category, int] = {}
    by_severity: dict[Severity, int] = {}
    for cell in backlog:
        by_category[cell.category] = by_category.get(cell.category, 0) + cell.count
        by_severity[cell.severity] = by_severity.get(cell.severity, 0) + cell.count
    return render_template(
        "metrics/index.html",
        days=days,
        periods=PERIOD_LABELS,
        since=since,
        until=until,
        backlog=backlog,
        backlog_total=sum(cell.count for cell in backlog),
        backlog_category_chart=charts.bars(
            [(c.value, str(CATEGORY_LABELS[c]), n) for c, n in by_category.items()]
        ),
        backlog_severity_chart=charts.bars(
            [
                (s.value, str(SEVERITY_LABELS[s]), by_severity[s])
                for s in Severity
                if s in by_severity
            ]
        ),
        first=first,
        first_chart=_duration_bars(first, minutes),
        resolution=resolution,
        resolution_chart=_duration_bars(resolution, hours),
        breaches=broken,
        breaches_chart=charts.bars(
            [
                (
                    f"{row.severity.value}-{key}",
                    f"{SEVERITY_LABELS[row.severity]}: {name}",
                    value,
                )
                for row in broken
                for key, name, value in (
                    ("first", gettext("first response"), row.first_response),
                    ("resolution", gettext("resolution"), row.resolution),
                )
            ],
            width=480,
            label_width=200,
        )
        if any(row.first_response or row.resolution for row in broken)
        else charts.bars([]),
        weekly=weekly,
        weekly_chart=charts.timeline(weekly, bucket="week"),
        alerts=alerts,
        alerts_chart=charts.bars(
            [
                (row.category, _alert_label(row.category), percent(row.precision) or 0)
                for row in alerts
                if row.precision is not None
            ]
        ),
        alert_label=_alert_label,
        categories=CATEGORY_LABELS,
        severities=SEVERITY_LABELS,
        minutes=minutes,
        hours=hours,
        percent=percent,
    )
