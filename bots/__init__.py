"""Safety Desk's Pywikibot scripts, run as Toolforge jobs: ``python -m bots.lock_logger``.

Their settings come from Safety Desk's configuration, never from a user-config.py.
Pywikibot reads this variable when it is first imported, so it is set here, before
any script of the package imports Pywikibot (see :mod:`bots.site`).
"""

import os

os.environ.setdefault("PYWIKIBOT_NO_USER_CONFIG", "2")
