"""Specialists work the queue: the list of open cases, a case's page and its actions.

- :mod:`.blueprint`: the blueprint and the case lookup every page of a case starts with;
- :mod:`.forms`: the forms and the label tables of the pages;
- :mod:`.pages`: the queue and a case's page (GET);
- :mod:`.actions`: what a specialist does on a case (POST forms), and its export;
- :mod:`.mail`: the attachments of a case's mail, as downloads.

Every action is a POST form with its CSRF token, parsed here and done by one
function of :mod:`tools.cases`. Restricted cases open only for restricted
specialists; everyone else gets a 403 that says why (the queue shows them that
such a case exists, never its content). Every look at a case page is an event.
"""

from __future__ import annotations

from flaskapp.queue import actions, mail, pages
from flaskapp.queue.blueprint import bp

__all__ = ["actions", "bp", "mail", "pages"]
