"""The global lock and global block log: normalise, store, query, statistics.

CentralAuth (``globalauth``, and ``suppress`` for hidden accounts) and GlobalBlocking
(``gblblock``) have written their log entries in several shapes since 2008: today's
``{"added": [...], "removed": [...]}`` and ``{"expiry": ..., "flags": [...]}``, older
positional strings already put into English (``{"0": "locked, hidden", "1": "(none)"}``,
``{"0": "anonymous only, expiration 12:00, 1 January 2011"}``), and action names
CentralAuth stopped using (``lockandhid``). :func:`normalise` turns every one of them
into one row of one vocabulary (:class:`Action`); an entry it cannot understand is
kept with its raw parameters and ``parsed`` false, so nothing is ever dropped and the
tool can say how many it did not understand.

The logger bot (``bots/lock_logger.py``) hands :func:`store_page` the ``logevents`` of
one API response; rows are upserted by (wiki, log id) and the bot's checkpoint moves
in the same transaction, so a crash at any point loses nothing and repeats nothing.
The web tool asks :func:`search`, :func:`statistics` and :func:`lock_statuses`.

The package is split by what each part does, each module importing the ones it needs:
``vocabulary`` (actions), ``names`` (accounts, IPs, ranges), ``reasons`` (reason
categories), ``normalisation`` (log entries into rows), ``store`` (rows and the
logger's checkpoints), ``rows`` (reading rows back), ``query`` (searches), ``status``
(where an account stands) and ``reports`` (charts, CSV, the on-wiki table). This
module only gathers their public names: ``from tools import locks; locks.search(...)``.

No Pywikibot and no Flask here.
"""

from __future__ import annotations

from tools.locks.names import (
    canonical_ip,
    canonical_prefix,
    canonical_target,
    canonical_username,
)
from tools.locks.normalisation import (
    SUPPRESS_ACTIONS,
    api_time,
    normalise,
)
from tools.locks.query import (
    LockQuery,
    LockQueryError,
    SearchResult,
    iter_events,
    search,
)
from tools.locks.reasons import (
    OTHER_CATEGORY,
    REASON_RULES_FILE,
    ReasonCategory,
    categorise,
    category_labels,
    reason_rules,
)
from tools.locks.reports import (
    CSV_COLUMNS,
    REPORT_ACTIONS,
    DaySummary,
    LockStatistics,
    csv_lines,
    daily_summaries,
    statistics,
    summary_wikitext,
)
from tools.locks.rows import (
    LockRow,
)
from tools.locks.status import (
    HiddenLevel,
    LockStatus,
    lock_statuses,
)
from tools.locks.store import (
    BOT,
    PageResult,
    Position,
    entries_after,
    last_reported_day,
    load_checkpoint,
    mark_reported,
    read_page,
    recategorise,
    report_stream,
    save_checkpoint,
    store_page,
    stream_name,
    upsert_events,
)
from tools.locks.vocabulary import (
    ACTION_ORDER,
    ACTION_VALUES,
    JOIN,
    STATUS_ACTIONS,
    Action,
    join_actions,
    split_action,
    stored_values_of,
)

__all__ = [
    "ACTION_ORDER",
    "ACTION_VALUES",
    "BOT",
    "CSV_COLUMNS",
    "JOIN",
    "OTHER_CATEGORY",
    "REASON_RULES_FILE",
    "REPORT_ACTIONS",
    "STATUS_ACTIONS",
    "SUPPRESS_ACTIONS",
    "Action",
    "DaySummary",
    "HiddenLevel",
    "LockQuery",
    "LockQueryError",
    "LockRow",
    "LockStatistics",
    "LockStatus",
    "PageResult",
    "Position",
    "ReasonCategory",
    "SearchResult",
    "api_time",
    "canonical_ip",
    "canonical_prefix",
    "canonical_target",
    "canonical_username",
    "categorise",
    "category_labels",
    "csv_lines",
    "daily_summaries",
    "entries_after",
    "iter_events",
    "join_actions",
    "last_reported_day",
    "load_checkpoint",
    "lock_statuses",
    "mark_reported",
    "normalise",
    "read_page",
    "reason_rules",
    "recategorise",
    "report_stream",
    "save_checkpoint",
    "search",
    "split_action",
    "statistics",
    "store_page",
    "stored_values_of",
    "stream_name",
    "summary_wikitext",
    "upsert_events",
]
