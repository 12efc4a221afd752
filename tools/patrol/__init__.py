"""The patrol: talk pages read as wikitext, scored comments raised as alerts."""
