"""Server-side prepared statements on PostgreSQL, prepared once per database connection.

Django prepares no statement itself. For the hot statements whose planning costs as much as their
execution (the event ingestion's CTE, a viewer's signal), `prepare_once` runs ``PREPARE`` the first
time a raw connection sees the statement, with a generic plan (``SET plan_cache_mode =
force_generic_plan``: index probes per row, planned once; the setting only concerns prepared
statements). Prepared statements survive rollbacks and live as long as the session; raw connections
are tracked weakly, so a reconnect prepares again. Behind a transaction-pooling pgbouncer the callers'
switches (`interactions.services.events.NETFLOOX_EVENTS_PREPARED`,
`interactions.selectors.NETFLOOX_SIGNAL_PREPARED`) must be False.
"""
import weakref

from django.db import connection

_prepared_on: "weakref.WeakKeyDictionary[object, set[str]]" = weakref.WeakKeyDictionary()


def prepare_once(cur, *, name: str, sql: str, types: str = "", enabled: bool = True) -> bool:
    """Prepare `sql` (``$1``… placeholders) as `name` on this cursor's connection unless it already
    is; returns whether ``EXECUTE name (…)`` can be used (False: not PostgreSQL, or disabled)."""
    raw = connection.connection
    if not enabled or connection.vendor != "postgresql" or raw is None:
        return False
    names = _prepared_on.setdefault(raw, set())
    if name not in names:
        cur.execute(f"SET plan_cache_mode = force_generic_plan; PREPARE {name} {types} AS {sql}")
        names.add(name)
    return True
