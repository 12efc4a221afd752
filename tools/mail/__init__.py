"""The e-mail channel: the team's mailbox read into cases, replies mailed back in thread.

- :mod:`~tools.mail.fetch`: reads the mailbox over IMAP, each message exactly once;
- :mod:`~tools.mail.parse` and :mod:`~tools.mail.html_text`: what a message says;
- :mod:`~tools.mail.intake`: a message becomes a case or an entry of its case's thread
  (:mod:`~tools.mail.threads` finds the case);
- :mod:`~tools.mail.replies`: replies and acknowledgements, through the outbox, in the
  case's language (:mod:`~tools.mail.texts`);
- :mod:`~tools.mail.folding` and :mod:`~tools.mail.view`: what the case page shows.
"""
