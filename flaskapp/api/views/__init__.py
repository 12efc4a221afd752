"""The JSON API, version 1: requests, cases, the lock log and statistics for scripts.

Each view is the UI's view without the HTML: one access decorator (the same
permission as the page it mirrors), one :func:`~flaskapp.api.spec.documented`
description, parse the query or the JSON body, call :mod:`tools`, answer with
:mod:`..serialise`. A token's scopes narrow its owner's permissions before the
decorator looks (:mod:`..auth`). Reading a case is a "viewed" event on its timeline,
as opening its page is; restricted cases answer 403 to anyone but restricted
specialists, and show only as a bare row in the queue, as in the UI.

The modules add their routes to :data:`flaskapp.api.common.bp` in this order, which is
also the order of the document.
"""

from __future__ import annotations

from flaskapp.api.views import account, alerts, casework, filing, lock_log

__all__ = ["account", "alerts", "casework", "filing", "lock_log"]
