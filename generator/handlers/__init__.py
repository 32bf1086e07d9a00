"""Every statement handler; importing this package registers them all.

One object kind per module. Each handler inverts a statement against the catalog
state before it and then applies the statement to the catalog (see ``engine``).
"""

from . import (  # noqa: F401
    alter_table,
    comments,
    data,
    doblocks,
    domains,
    event_triggers,
    extensions,
    functions,
    grants,
    indexes,
    partitions,
    policies,
    publications,
    roles,
    schemas,
    sequences,
    session,
    table_moves,
    table_renames,
    tables,
    triggers,
    types,
    views,
)
