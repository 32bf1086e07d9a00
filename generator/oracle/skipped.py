"""Migrations ``learn`` could not apply on the throwaway server, and what they make unprovable.

A migration the server rejects (an extension it lacks, one that depends on such a
migration, one that fails by itself: ``verify.apply_failure`` classifies it, as for
``verify``) is skipped and the replay goes on. From then on the server's schema is not
the project's where that migration would have acted, so (docs/oracle.md, "A history that
does not replay"):

1. an object absent on the server before or after a statement is never recorded
   (``footprint.unchanged`` and ``imports.observe`` already require it present), and
   neither is an object a skipped migration names (``touches``: its text names it, as
   ``verify`` decides with ``named_in``, or a statement of it distrusted it), nor a schema
   (a schema's footprint is everything in it);
2. an opaque statement that names an object a skipped migration names is not learned
   (``depends``): what it did may depend on that object;
3. an opaque statement inside a skipped migration is not learned (it did not run here).

A skipped migration that acts beyond the objects it names (``DROP ... CASCADE``, ``ALTER
DEFAULT PRIVILEGES``, ``... ALL TABLES IN SCHEMA``, ``DROP OWNED``) or that cannot be read
(not valid SQL, not UTF-8) may have changed anything: no later opaque statement is learned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..catalog import Catalog, ObjRef
from ..distrust import _WIDE, named_refs
from ..parse import Migration
from ..salvage import token_names, words
from ..verify import named_in

_FK_CASCADE = re.compile(r"\bon\s+(delete|update)\s+cascade\b", re.I)
# `create schema x`, `alter schema x`, `grant ... on schema x`, `comment on schema x`: the
# schema itself is changed (`create extension ... with schema x` only puts objects in it)
_SCHEMA_TARGET = re.compile(r'(?<!with )\bschema\s+(?:if\s+not\s+exists\s+)?("(?:[^"]|"")+"|[A-Za-z_][\w$]*)', re.I)


@dataclass
class Skipped:
    """A migration not applied on the server: its file name, why, and what it may touch."""

    name: str
    why: str
    text: str
    wide: bool  # it may have changed anything
    tainted: frozenset[str] = frozenset()  # names of objects its opaque statements distrusted
    schemas: frozenset[str] = field(default_factory=frozenset)  # schemas it creates or changes


def skipped(m: Migration, why: str, cat: Catalog) -> Skipped:
    """``m``, skipped for ``why``; ``cat`` is the static catalog right after ``m``."""
    from ..engine import DO_BLOCK

    text = m.text if not m.unreadable else ""
    wide = bool(m.unreadable) or token_names(text) is None or bool(_WIDE.search(_FK_CASCADE.sub(" ", text)))
    here = f"{m.path}:"
    tainted = frozenset(n for ref, where in cat.tainted.items()
                        if where.removeprefix(DO_BLOCK).startswith(here) for n in ref_names(ref))
    schemas = frozenset(w for m_ in _SCHEMA_TARGET.finditer(text) for w in words(m_.group(1)))
    return Skipped(m.path.name, why, text, wide, tainted, schemas)


def ref_names(ref: ObjRef) -> list[str]:
    """The object's own name and, for one on a table (policy, trigger, constraint,
    column), the table's: ``("policy", '"p" ON public.t')`` -> ``["p", "t"]``."""
    kind, ident = ref
    if kind == "column":
        from ..refs import _split_column

        ident = _split_column(ident)[0]
    out = []
    for part in ident.split("(", 1)[0].split(" ON "):
        found = re.findall(r'"(?:[^"]|"")+"|[^."\s]+', part.strip())
        if found:
            last = found[-1]
            out.append(last[1:-1].replace('""', '"') if last.startswith('"') else last.lower())
    return out


def _names(s: Skipped, name: str, kind: str) -> bool:
    if kind == "schema":
        return name in s.schemas
    return name in s.tainted or named_in(name, s.text, kind in ("index", "constraint"))


def touches(ref: ObjRef, skipped_: list[Skipped]) -> bool:
    """Whether ``ref`` may differ on the server from the project's database (rule 1)."""
    if not skipped_:
        return False
    if ref[0] == "schema":
        return True
    return any(s.wide or any(_names(s, n, ref[0]) for n in ref_names(ref)) for s in skipped_)


def depends(sql: str, cat: Catalog, skipped_: list[Skipped]) -> str | None:
    """Rule 2: ``not_learned``'s reason when ``sql`` (an opaque statement, a DO block's text
    included) names an object a skipped migration names; ``cat`` is the static catalog."""
    if not skipped_:
        return None
    said = token_names(sql)
    for s in skipped_:
        if s.wide or said is None:
            return _reason(s)
    names = frozenset(said)
    refs = [r for r in named_refs(cat, names) if r[0] != "schema"]
    for s in skipped_:
        if any(n in names for n in s.schemas) or any(_names(s, n, r[0]) for r in refs for n in ref_names(r) if n in names):
            return _reason(s)
    return None


def _reason(s: Skipped) -> str:
    return f"depends on {s.name}, which could not be applied here"
