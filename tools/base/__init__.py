"""The small base every domain stands on: settings, database, clock, logs, messages, mail."""
