"""What can still be read of a migration that is not valid PostgreSQL.

A file that does not parse cannot get a rollback, but the migrations after it still need
theirs, computed from a catalog that is honest about what it no longer knows. ``salvage``
splits the file into statements with PostgreSQL's own scanner (``;`` tokens outside
quotes, dollar quotes and comments), parses each piece on its own, and returns, in file
order, the statements that parse and the pieces that do not (``Opaque``); a statement that
parses but that PostgreSQL rejects when it runs is a ``Rejected`` one. An opaque
piece carries every name it could refer to: its identifiers, its keywords that may be
names, and the words inside its string constants and dollar quotes (a ``DO $$ ... $$``
whose nested ``$$`` function body ends the quote early is split by the scanner in odd
places, and its names are then inside strings).

When the scanner itself stops (an unterminated quote: an unescaped ``'`` in a value, MySQL's
``\\'``), statements cannot be told apart any more: everything from the last ``;`` before
that point to the end of the file is one opaque piece, and its names are every word of
that text (``raw_words``: whatever the quotes, a name it uses is spelled in it).
``Salvaged.bounded`` is then False. A file that is not UTF-8 is never split at all: the
engine treats it as one piece with ``names`` None ("it could have touched anything").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pglast.parser import ParseError, parse_sql_json, scan

from .parse import InputError, Statement, _Lines, located_statements, source_text
from .rejects import rejections

_WORD = re.compile(r'"((?:[^"]|"")+)"|([A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)')


@dataclass
class Opaque:
    """A piece of a migration that does not parse. ``names``: every name it may refer to
    (unquoted words lower-cased, quoted names as written); None: not bounded."""

    where: str  # path:line of its first token
    sql: str
    names: frozenset[str] | None
    rest: bool = False  # the rest of the file from where the scanner stopped (may hold many statements)


@dataclass
class Rejected:
    """A statement that parses but that PostgreSQL rejects when it runs (generator/rejects.py)."""

    stmt: Statement
    why: str

    @property
    def where(self) -> str:
        return self.stmt.where


@dataclass
class Salvaged:
    items: list[Statement | Opaque | Rejected]  # file order
    bounded: bool  # False: the scanner stopped; the rest of the file is one opaque piece


def words(text: str) -> set[str]:
    """Names a text may spell: ``"Quoted"`` as written, other words lower-cased."""
    out: set[str] = set()
    for m in _WORD.finditer(text):
        out.add(m.group(1).replace('""', '"') if m.group(1) is not None else m.group(2).lower())
    return out


def token_names(sql: str) -> set[str] | None:
    """The names a piece of SQL may refer to, from its tokens (comments skipped)."""
    try:
        tokens = scan(sql)
    except ParseError:
        return None
    out: set[str] = set()
    for t in tokens:
        text = sql[t.start : t.end + 1]
        if t.name in ("SQL_COMMENT", "C_COMMENT") or t.kind == "RESERVED_KEYWORD" and not text.startswith('"'):
            continue
        if t.name in ("SCONST", "USCONST", "IDENT", "UIDENT") or t.kind != "NO_KEYWORD":
            out |= words(text)
    return out


def _pieces(text: str) -> tuple[list[tuple[int, int]], int | None]:
    """(start, end) of each ``;``-separated piece holding a token, and the offset from which
    the scanner could not go on (None: it read the whole text)."""
    stop: int | None = None
    try:
        tokens = scan(text)
    except ParseError as exc:
        at = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
        stop = max(0, min(at, len(text)))
        try:
            tokens = scan(text[:stop])
        except ParseError:
            return [], 0
    pieces: list[tuple[int, int]] = []
    start: int | None = None
    for t in tokens:
        if t.name in ("SQL_COMMENT", "C_COMMENT"):
            continue
        if t.name == "ASCII_59":  # ;
            if start is not None:
                pieces.append((start, t.end + 1))
            start = None
        elif start is None:
            start = t.start
    if stop is not None:
        # the piece the scanner stopped in starts after the last complete one
        stop = start if start is not None else stop
    elif start is not None:
        pieces.append((start, len(text)))
    return pieces, stop


def _bad_pieces(text: str, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The pieces that do not parse: runs of pieces are parsed together and halved only
    when they fail (a file of 700,000 statements with one bad one: about 40 parses)."""
    if not pieces:
        return []
    try:
        parse_sql_json(text[pieces[0][0] : pieces[-1][1]])  # (builds no Python objects: 15x faster)
        return []
    except ParseError:
        if len(pieces) == 1:
            return list(pieces)
    half = len(pieces) // 2
    return _bad_pieces(text, pieces[:half]) + _bad_pieces(text, pieces[half:])


def salvage(text: str, path: Path) -> Salvaged:
    """The statements of ``text`` that parse and the pieces that do not, in file order."""
    text = source_text(text)
    lines = _Lines(text)
    pieces, stop = _pieces(text)
    bad = _bad_pieces(text, pieces)
    # The good pieces are parsed together, in place, so that positions, lines and trailing
    # `-- rollback:` annotations stay as they are. A bad piece is blanked up to the next
    # piece (line ends kept): a comment after it goes with it, instead of joining the good
    # statement before it as that statement's annotation.
    limit = stop if stop is not None else len(text)
    masked = list(text[:limit])
    starts = [p[0] for p in pieces] + [limit]
    for start, _ in bad:
        for i in range(start, starts[starts.index(start) + 1]):
            if masked[i] != "\n":
                masked[i] = " "
    try:
        good = located_statements("".join(masked), path)
    except InputError:  # the pieces parse alone but not together: nothing can be trusted
        good, bad, stop = [], [], 0
    refused = {id(st): why for st, why in rejections(st for _, st in good)}
    items: list[tuple[int, Statement | Opaque | Rejected]] = [
        (at, Rejected(st, refused[id(st)]) if id(st) in refused else st) for at, st in good
    ]
    for start, end in bad:
        sql = text[start:end]
        names = token_names(sql)
        items.append((start, Opaque(f"{path}:{lines.line(start)}", sql.strip(), frozenset(names) if names is not None else None)))
    if stop is not None:
        rest = text[stop:]
        items.append((stop, Opaque(f"{path}:{lines.line(stop)}", rest.strip(), frozenset(raw_words(rest)), rest=True)))
    items.sort(key=lambda t: t[0])
    return Salvaged([it for _, it in items], bounded=stop is None)


def raw_words(text: str) -> set[str]:
    """Every name ``text`` may spell when its quotes cannot be trusted to pair up (the
    scanner stopped in it): its words, with double quotes paired from the first one and
    from the second one (a stray quote before a quoted name shifts the pairs)."""
    out = words(text)
    first = text.find('"')
    if first >= 0:
        out |= words(text[first + 1 :])
    return out
