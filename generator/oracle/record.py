"""The oracle record: ``supabase/rollback-oracle.json``, what ``learn`` proved on a server.

One entry per opaque statement (a statement after which the generator distrusts objects:
see ``generator.oracle``), sorted by migration file name and line::

    {
     "entries": [
      {
       "chain": "<chain hash of the history up to and including the migration>",
       "defaults_unchanged": true,
       "format": 1,
       "line": 12,
       "migration": "20240101000000_audit.sql",
       "not_learned": "the DO block reads public.settings, whose rows ...",   (only when nothing is proven)
       "unchanged": [["table", "public.orders"], ["trigger", "t ON public.orders"]]
      }
     ],
     "format": 1
    }

``unchanged`` lists the objrefs (generator/refs.py) the statement provably did not change;
``defaults_unchanged`` says its default privileges were the same before and after. The
file is written with sorted keys and a trailing newline, so the same history gives the same
bytes. It is read by ``Oracle.load``, which keeps only the entries whose chain hash matches
the migration history on disk (an entry of an edited history is stale) and whose format is
known; a damaged file or entry is ignored with a one-line note, never an error.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..chain import chain_hashes

if TYPE_CHECKING:  # (check imports this module on its fast path: no catalog, no pglast)
    from ..catalog import Catalog

ObjRef = tuple[str, str]  # = catalog.ObjRef

FORMAT = 1
RECORD_NAME = "rollback-oracle.json"
DO_BLOCK = "DO block at "  # = engine.DO_BLOCK (not imported: engine imports this module)
RENAME = "rename at "  # = engine.RENAME


def caused_by(taint: object, where: str) -> bool:
    """Whether a ``Catalog.tainted`` value is the distrust the statement at ``where`` added:
    ``where`` itself, the DO block there (``DO block at where``), or ``where`` with what the
    statement did that the generator could not follow (``where, which renamed value ...``,
    ``where: it renamed type ...``, ``where (the indexes ...)``, ``rename at where: ...``).
    Not a statement PostgreSQL rejects: no server runs it."""
    if not isinstance(taint, str):
        return False
    if taint == where:
        return True
    rest = taint.removeprefix(DO_BLOCK) if taint.startswith(DO_BLOCK) else taint.removeprefix(RENAME)
    return rest == where or (rest.startswith(where) and rest[len(where):len(where) + 2] in (", ", ": ", " ("))


def record_path(migrations_dir: Path) -> Path:
    """``<project>/supabase/rollback-oracle.json``: beside the migrations folder."""
    return migrations_dir.parent / RECORD_NAME


def record_fingerprint(migrations_dir: Path) -> str:
    """The record's size and modification time ("" when there is none): part of ``check``'s
    cache key, as the generator's own files are (reading a large record on every warm
    ``check`` would cost more than the check itself; any write changes the time)."""
    try:
        st = record_path(migrations_dir).stat()
    except OSError:
        return ""
    return f"{st.st_size}:{st.st_mtime_ns}"


@dataclass(frozen=True)
class Entry:
    migration: str  # file name
    line: int
    chain: str
    unchanged: tuple[ObjRef, ...] = ()
    defaults_unchanged: bool = False
    not_learned: str = ""  # why nothing was proven ("" when the server was asked)
    # What the statement changed, imported (generator/oracle/imports.py): the refs trusted
    # again once ``changes`` are applied, the changes, and whether they include every
    # change of the default privileges. ``not_imported``: "kind identity" -> why not.
    imported: tuple[ObjRef, ...] = ()
    changes: tuple[dict, ...] = ()
    defaults_imported: bool = False
    not_imported: tuple[tuple[str, str], ...] = ()
    # The statement's own rollback, from what it was observed to do (generator/oracle/undo.py):
    # used in place of its manual step. None: not known; empty: it changed nothing.
    undo: tuple[str, ...] | None = None
    # Types, tables, views and functions the statement created that the catalog did not know
    # (generator/oracle/created.py):
    # each {"kind", "name", "sql", "acl", "column acl"}, put into the catalog right after it.
    created: tuple[dict, ...] = ()

    def settled(self) -> set[str]:
        """The refs ("kind identity") the entry trusts again: proven unchanged or imported."""
        return {f"{kind} {ident}" for kind, ident in (*self.unchanged, *self.imported)}

    def to_json(self) -> dict:
        out: dict = {
            "chain": self.chain, "defaults_unchanged": self.defaults_unchanged, "format": FORMAT,
            "line": self.line, "migration": self.migration, "unchanged": [list(r) for r in sorted(set(self.unchanged))],
        }
        if self.not_learned:
            out["not_learned"] = self.not_learned
        if self.imported:  # (optional keys: a reader without them trusts only "unchanged")
            out["imported"] = [list(r) for r in sorted(set(self.imported))]
        if self.changes:
            out["changes"] = sorted(self.changes, key=lambda c: json.dumps(c, sort_keys=True))
        if self.defaults_imported:
            out["defaults_imported"] = True
        if self.not_imported:
            out["not_imported"] = dict(sorted(self.not_imported))
        if self.undo is not None:
            out["undo"] = list(self.undo)
        if self.created:
            out["created"] = list(self.created)
        return out

    @staticmethod
    def from_json(data: object) -> Entry:
        """Raises ValueError for anything that is not a well-formed entry of this format."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not an entry of record format 1")
        name, line, chain = data.get("migration"), data.get("line"), data.get("chain")
        refs, defaults = data.get("unchanged", []), data.get("defaults_unchanged", False)
        if not (isinstance(name, str) and isinstance(line, int) and isinstance(chain, str) and isinstance(refs, list)
                and isinstance(defaults, bool)):
            raise ValueError("an entry lacks its migration, line, chain or unchanged list")
        why = data.get("not_learned", "")
        changes, skipped = data.get("changes", []), data.get("not_imported", {})
        if not (isinstance(changes, list) and all(isinstance(c, dict) for c in changes) and isinstance(skipped, dict)):
            raise ValueError(f"{name}:{line}: damaged changes")
        undo = data.get("undo")
        if undo is not None and not (isinstance(undo, list) and all(isinstance(u, str) and u.rstrip().endswith(";")
                                                                    for u in undo)):
            raise ValueError(f"{name}:{line}: damaged undo")
        created = data.get("created", [])
        if not (isinstance(created, list) and all(_created_ok(c) for c in created)):
            raise ValueError(f"{name}:{line}: damaged created tables")
        return Entry(name, line, chain, _refs(refs, name, line), defaults, why if isinstance(why, str) else "",
                     _refs(data.get("imported", []), name, line), tuple(changes),
                     data.get("defaults_imported") is True, tuple((str(k), str(v)) for k, v in skipped.items()),
                     None if undo is None else tuple(undo), tuple(created))

    # -- use by the engine --------------------------------------------------------------------

    def before(self, catalog: Catalog) -> tuple[dict[ObjRef, str | None], dict[str, str]]:
        """What must be put back after the statement: the taint of the proven and imported
        refs and the uncertain default privileges, as they were before it."""
        refs = (*self.unchanged, *self.imported)
        return {r: catalog.tainted.get(r) for r in refs}, dict(catalog.uncertain_defaults)

    def untaint(self, catalog: Catalog, where: str, saved: tuple[dict[ObjRef, str | None], dict[str, str]]) -> None:
        """After the statement at ``where``: the distrust it added to what it provably did not
        change is taken back (a taint from an earlier statement is kept)."""
        taints, defaults = saved
        imported = False
        trusted = set(self.unchanged)
        if self.changes or self.imported or self.defaults_imported:
            from .imports import apply_each, owner

            owners = [(r, owner(r, catalog)) for r in self.imported]  # (before the changes: an index's table)
            failed = apply_each(catalog, list(self.changes), where)
            if not failed:
                trusted |= set(self.imported)
            else:  # some change does not fit the catalog: trust only the objects a fitting change covers
                bad = {owner(c["ref"]) for c, _ in failed if "ref" in c}
                done = {owner(c["ref"]) for c in self.changes if "ref" in c} - bad
                trusted |= {r for r, o in owners if o in done}
            imported = not any("default privileges" in c for c, _ in failed)
        for ref, old in taints.items():
            if ref not in trusted:
                continue
            if caused_by(catalog.tainted.get(ref), where):
                if old is None:
                    del catalog.tainted[ref]
                else:
                    catalog.tainted[ref] = old
        if self.defaults_unchanged or (self.defaults_imported and imported):
            for schema, why in list(catalog.uncertain_defaults.items()):
                if schema not in defaults and why.endswith(f" at {where}"):
                    del catalog.uncertain_defaults[schema]


def _created_ok(c: object) -> bool:
    """A well-formed ``created`` item: {"kind": str, "name": str, "sql": [str], "acl": {str: str},
    "column acl": {str: {str: str}}}."""
    def acl(a: object) -> bool:
        return isinstance(a, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in a.items())

    return (isinstance(c, dict) and c.get("kind") in ("type", "table", "view", "function", "procedure")
            and isinstance(c.get("name"), str) and isinstance(c.get("sql"), list)
            and all(isinstance(s, str) and s.rstrip().endswith(";") for s in c["sql"]) and acl(c.get("acl"))
            and isinstance(c.get("column acl"), dict) and all(acl(v) for v in c["column acl"].values()))


def _refs(refs: object, name: object, line: object) -> tuple[ObjRef, ...]:
    if not isinstance(refs, list):
        raise ValueError(f"{name}:{line}: not a list of object references")
    out: list[ObjRef] = []
    for r in refs:
        if not (isinstance(r, list) and len(r) == 2 and all(isinstance(x, str) for x in r)):
            raise ValueError(f"{name}:{line}: not an object reference: {r!r}")
        out.append((r[0], r[1]))
    return tuple(out)


@dataclass
class Oracle:
    """The valid entries of a record, for one migration history: (file name, line) -> Entry."""

    entries: dict[tuple[str, int], Entry] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def at(self, migration_name: str, line: int) -> Entry | None:
        return self.entries.get((migration_name, line))

    @staticmethod
    def load(path: Path, migrations: list, warn: Callable[[str], None] | None = None) -> Oracle:
        """The entries of the record at ``path`` that still hold for ``migrations`` (the
        FULL history of the folder, in order). Missing file: an empty oracle, silently."""
        oracle = Oracle()
        try:
            text = path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            return oracle
        except (OSError, UnicodeDecodeError) as exc:
            return oracle._note(f"{path}: cannot be read ({exc}): ignored; run `supabase-rollback learn` to rewrite it", warn)
        try:
            data = json.loads(text)
            raw = data["entries"] if isinstance(data, dict) else None
            if not isinstance(raw, list):
                raise ValueError("no list of entries")
        except (ValueError, KeyError) as exc:
            return oracle._note(f"{path}: damaged ({exc}): ignored; run `supabase-rollback learn` to rewrite it", warn)
        hashes = {m.path.name: h for m, h in zip(migrations, chain_hashes(migrations))}
        stale = damaged = 0
        for item in raw:
            try:
                e = Entry.from_json(item)
            except ValueError:
                damaged += 1
                continue
            if hashes.get(e.migration) != e.chain:
                stale += 1
                continue
            oracle.entries[(e.migration, e.line)] = e
        if damaged:
            oracle._note(f"{path}: {damaged} entr{'y' if damaged == 1 else 'ies'} damaged or of another record "
                         "format: ignored; run `supabase-rollback learn` to rewrite the file", warn)
        if stale:
            oracle._note(f"{path}: {stale} entr{'y' if stale == 1 else 'ies'} learned from a history that has "
                         "changed since: ignored (those statements stay distrusted); run `supabase-rollback learn` "
                         "to refresh the record", warn)
        return oracle

    def _note(self, message: str, warn: Callable[[str], None] | None) -> Oracle:
        self.notes.append(message)
        if warn is not None:
            warn(message)
        return self


def dumps(entries: list[Entry]) -> str:
    """The record's text: sorted keys, entries by migration and line, one trailing newline."""
    ordered = sorted(entries, key=lambda e: (e.migration, e.line))
    return json.dumps({"entries": [e.to_json() for e in ordered], "format": FORMAT}, indent=1, sort_keys=True,
                      ensure_ascii=False) + "\n"


def write(path: Path, entries: list[Entry]) -> None:
    """Write the record whole or not at all (a temporary file renamed over it)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{RECORD_NAME}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(dumps(entries))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
