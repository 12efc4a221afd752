"""Demo data for a development desk: a week at the desk that reads like a real one.

Loaded once into a new development database (``safetydesk db upgrade``) and on request
(``safetydesk demo load``), never in production. Everything is written through the
project's own paths (filing, the life cycle, the timeline, related cases, the rota, on
call, canned responses, the patrol's alerts, the lock log's normalisation), so the demo
shows what those paths make of real work, and a marker checkpoint tells the web tool to
say "demo data" on every page.
"""

from __future__ import annotations

from tools.demo.loading import DemoAlreadyLoaded, Loaded, is_loaded, load

__all__ = ["DemoAlreadyLoaded", "Loaded", "is_loaded", "load"]
