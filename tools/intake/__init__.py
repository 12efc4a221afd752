"""Where requests come in from outside the desk's own forms: MediaWiki's ReportIncident."""
