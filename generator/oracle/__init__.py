"""The oracle: what PostgreSQL itself proves about the statements the generator cannot follow.

Opaque statements (a DO block with dynamic SQL, a statement no handler inverts, ``select
some_function()``) make the replay distrust every object they may have touched
(``Catalog.tainted``, ``Catalog.uncertain_defaults``): later rollbacks that need those
objects' definitions become manual steps. ``supabase-rollback learn`` (``learn``) replays
the history on a throwaway server, snapshots the schema right before and after each opaque
statement, and writes the objects each one provably did NOT change to a committed record,
``supabase/rollback-oracle.json`` (``record``), keyed by the chain hash of the history up
to the statement's migration. ``generate``, ``check`` and every command that builds
rollbacks read it, statically (no server): right after an opaque statement the engine
takes back the distrust the record proves needless (``record.Entry.untaint``), for an
entry whose chain hash still matches; stale, foreign or damaged entries are ignored with a
one-line note. ``check``'s cache key includes the record's content hash.

Objects it changed only in attributes the catalog can take over exactly (RLS, policies,
privileges, comments, function options, default privileges) are imported with their new
values (``imports``); other changed or created objects stay distrusted, and nothing is recorded for a statement whose effect may depend on rows, the
time or the server (``reads``). See docs/oracle.md.
"""
