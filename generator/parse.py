"""Reading migration files into statements with their source positions.

Parsing uses pglast, i.e. PostgreSQL's own grammar. Errors carry ``path:line:column``.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from pglast import ast
from pglast.parser import ParseError, parse_sql, scan


class InputError(Exception):
    """Input the user must fix (exit code 2): bad SQL, unreadable file, bad name."""


@dataclass
class Statement:
    node: ast.Node
    sql: str  # the statement's own text, as written
    path: Path
    line: int  # 1-based line of the statement's first token
    trailing_comments: list[str] = field(default_factory=list)
    # the raw text between this statement and the next one (its ";" and the comments after
    # it), and the 1-based line where that text starts: read by generator.annotations
    trailing_text: str = ""
    trailing_line: int = 0

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class Migration:
    version: str
    name: str
    path: Path
    text: str
    # Set by project.list_migrations. ``unreadable``: why the file cannot be read as SQL text
    # at all (not UTF-8, a NUL byte), as ``path:line: ...``; ``text`` is then empty.
    # ``shares_version``: the file names of the other migrations with the same version;
    # ``first_of_version``: this file sorts first among them (the one the Supabase CLI
    # applies and records; the others fail on ``schema_migrations_pkey``).
    unreadable: str | None = None
    shares_version: tuple[str, ...] = ()
    first_of_version: bool = True

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def stem(self) -> str:
        return f"{self.version}_{self.name}"

    def statements(self) -> list[Statement]:
        """The file's statements; InputError when it is not valid SQL, or when it holds a
        statement that parses but that PostgreSQL rejects when it runs (generator/rejects.py)."""
        from .rejects import error_text, rejections

        stmts = parse_statements(self.text, self.path)
        rejected = rejections(stmts)
        if rejected:
            raise InputError(error_text(*rejected[0]))
        return stmts

    def purpose(self) -> str:
        """The migration's leading comment, else its name in words."""
        lines: list[str] = []
        for raw in self.text.lstrip("\ufeff").splitlines():
            s = raw.strip()
            if not s:
                if lines:
                    break
                continue
            if s.startswith("--"):
                text = s.lstrip("-").strip()
                if text and not set(text) <= set("=-*#"):
                    lines.append(text)
                continue
            break
        if lines:
            return " ".join(lines)
        return self.name.replace("_", " ").strip().capitalize()


class _Lines:
    """1-based line and column of character offsets, in O(log n) each (a 20 MB file has
    hundreds of thousands of statements: counting newlines from the start each time
    would be quadratic)."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def line_col(self, offset: int) -> tuple[int, int]:
        line = self.line(offset)
        return line, offset - self.starts[line - 1] + 1


def _remaps_error_positions() -> bool:
    """Whether the installed pglast maps PostgreSQL's error position once more as if it were
    a byte offset.

    PostgreSQL reports where a syntax error is as a count of characters. pglast up to 7.21
    and 8.0-8.7 passed it through its byte-offset-to-character map, which moves it left by
    one for every extra UTF-8 byte before it; 7.22 and 8.8 (pglast PR #245) report the
    character index itself. Decided by parsing a probe once, not by version number.
    """
    global _REMAPS
    if _REMAPS is None:
        at = _PROBE.rindex("y")  # a syntax error at the second "y"
        try:
            parse_sql(_PROBE)
        except ParseError as exc:
            reported = exc.args[1] if len(exc.args) > 1 else None
            # remapped: the character holding byte number ``at`` of the UTF-8 text
            _REMAPS = reported != at and reported == len(_PROBE.encode()[:at].decode(errors="ignore"))
        else:  # pragma: no cover - the probe is bad SQL in every PostgreSQL
            _REMAPS = False
    return _REMAPS


_PROBE = "select 'éüüüü' y y"
_REMAPS: bool | None = None


def _error_offset(text: str, reported: int, message: str) -> int:
    """The character offset of a parse error that pglast reported at ``reported``.

    A remapping pglast (``_remaps_error_positions``) reports the character that holds the
    byte whose offset is the true character offset: every byte offset of the character at
    ``reported`` is a candidate, and the one where the token named by the message (``at or
    near "x"``) starts wins. Otherwise, and for ASCII text, the answer is ``reported``.
    """
    if text.isascii() or not 0 <= reported < len(text) or not _remaps_error_positions():
        return reported
    first = len(text[:reported].encode())
    last = min(first + len(text[reported].encode()), len(text) + 1)
    candidates = range(first, last)
    near = re.search(r'at or near "(.*)"$', message, re.S)
    for t in candidates:
        if near and text.startswith(near.group(1), t):
            return t
    return candidates[0] if candidates else reported


_SHOWN = 120  # characters of a source line shown under an error message
_NEAR = re.compile(r'( at or near ")(.*)("$)', re.S)
_MYSQL = re.compile(r"`|\bENGINE\s*=|\bAUTO_INCREMENT\b|\bUNSIGNED\b|\bTINYINT\b|\bDATETIME\b", re.I)
_PSQL_COMMAND = re.compile(r"^\s*(\\[A-Za-z!?]+)")
_COPY_STDIN = re.compile(r"\bCOPY\b[^;]*\bFROM\s+STDIN\b[^;]*;\s*$", re.I)


def _short_near(message: str) -> str:
    """``at or near "<rest of the file>"`` (an unterminated string or dollar quote) cut
    to its first line, at most 40 characters."""
    m = _NEAR.search(message)
    if not m:
        return message
    token = m.group(2)
    first = token.split("\n", 1)[0]
    cut = first[:40] + "…" if len(first) > 40 or token[len(first) :].strip() else first
    return message[: m.start()] + m.group(1) + cut + m.group(3)


def _hint(message: str, src: str, before: str = "") -> str:
    """A line saying what the text probably is, for the common mistakes (``before``: the
    text just before the error's line)."""
    if "syntax error" in message and _COPY_STDIN.search(before):
        return ("hint: the lines after COPY ... FROM stdin are data in psql's format (pg_dump writes it): "
                "migrations are sent to the server as SQL, without that data; use INSERT statements")
    cmd = _PSQL_COMMAND.match(src)
    if cmd and "syntax error" in message:
        return (f"hint: {cmd.group(1)} is a psql meta-command, not SQL: migrations are sent to the server as SQL "
                "(the Supabase CLI does not run them through psql), so write the SQL itself here")
    if "syntax error" in message and _MYSQL.search(src):
        return ("hint: this looks like MySQL syntax (`backquoted` names, ENGINE=, AUTO_INCREMENT, UNSIGNED...): "
                "migrations must be PostgreSQL (\"double-quoted\" names, identity columns)")
    if message.startswith("unterminated"):
        return "hint: the quote or dollar quote that starts here is never closed"
    return ""


def _excerpt(src: str, col: int) -> tuple[str, int]:
    """At most ``_SHOWN`` characters of ``src`` around column ``col``, and the caret's column."""
    if len(src) <= _SHOWN:
        return src, col
    start = max(0, min(col - 1 - _SHOWN // 2, len(src) - _SHOWN))
    shown = src[start : start + _SHOWN]
    return ("…" if start else "") + shown + ("…" if start + _SHOWN < len(src) else ""), col - start + (1 if start else 0)


def check_text(text: str, path: Path, lines: _Lines | None = None) -> None:
    """Characters PostgreSQL never accepts in a query: NUL ends the text that pglast (a C
    library) sees, so anything after it would be silently ignored."""
    nul = text.find("\0")
    if nul >= 0:
        line, col = (lines or _Lines(text)).line_col(nul)
        raise InputError(f"{path}:{line}:{col}: NUL byte (0x00) in the file: PostgreSQL does not accept it in SQL "
                         "text; this is not a text file, or it was saved with a wrong encoding (UTF-16?)")


def _normalise_line_ends(text: str) -> str:
    """CRLF becomes LF between tokens and in comments (an editor's line ends), but stays
    inside quoted names, string literals and dollar quotes: there it is part of a name or
    a value, which the server keeps as written."""
    if "\r\n" not in text:
        return text
    try:
        tokens = scan(text)  # character offsets, ends inclusive
    except ParseError:  # an unterminated quote: parse_sql reports it
        return text.replace("\r\n", "\n")
    out: list[str] = []
    pos = 0
    for t in tokens:
        if t.name not in ("SQL_COMMENT", "C_COMMENT") and "\r\n" in text[t.start : t.end + 1]:
            out += [text[pos : t.start].replace("\r\n", "\n"), text[t.start : t.end + 1]]
            pos = t.end + 1
    out.append(text[pos:].replace("\r\n", "\n"))
    return "".join(out)


def source_text(text: str) -> str:
    """The text as it is parsed: without a leading byte order mark, CRLF read as LF except
    inside quoted names and literals (``_normalise_line_ends``)."""
    return _normalise_line_ends(text.lstrip("\ufeff"))


def parse_statements(text: str, path: Path) -> list[Statement]:
    """Split and parse ``text``; raise InputError with ``path:line:column`` on bad SQL.

    A leading byte order mark is dropped; CRLF line ends are read as LF except inside
    quoted names and literals (``_normalise_line_ends``)."""
    return [st for _, st in located_statements(source_text(text), path)]


def located_statements(text: str, path: Path) -> list[tuple[int, Statement]]:
    """``parse_statements`` of a text already made ``source_text``, each statement with the
    character offset where it starts."""
    lines = _Lines(text)
    check_text(text, path, lines)
    try:
        raws = parse_sql(text)
    except ParseError as exc:
        message = exc.args[0]
        offset = exc.args[1] if len(exc.args) > 1 and exc.args[1] is not None else len(text)
        offset = max(0, min(_error_offset(text, offset, message), len(text.rstrip())))
        line, col = lines.line_col(offset)
        begin = lines.starts[line - 1]
        src = text[begin : lines.starts[line] - 1 if line < len(lines.starts) else len(text)]
        shown, caret = _excerpt(src, col)
        hint = _hint(message, src, text[max(0, begin - 2000) : begin])
        raise InputError(
            f"{path}:{line}:{col}: {_short_near(message)}\n    {shown}\n    {' ' * (caret - 1)}^"
            + (f"\n{hint}" if hint else "")
        ) from None
    out: list[Statement] = []
    starts: list[int] = []
    for raw in raws:
        start, end = statement_span(text, raw)
        sql = text[start:end].strip()
        out.append(Statement(node=raw.stmt, sql=sql, path=path, line=lines.line(start)))
        starts.append(start)
    _attach_trailing_comments(out, text, raws, lines)
    return list(zip(starts, out))


_GAP = re.compile(r"[ \t\n\r\f\v]+|--[^\n\r]*|/\*")
_C_COMMENT = re.compile(r"/\*|\*/")


def statement_span(text: str, raw: ast.RawStmt) -> tuple[int, int | None]:
    """Character offsets of a parsed statement's own text in ``text``: its first token, and
    its end before its ";" (None: it runs to the end of the text, the last one without ";").

    PostgreSQL 17's grammar (pglast 8) starts a statement at its first token, PostgreSQL
    16's (pglast 7) right after the previous ";": the whitespace and comments between two
    statements are skipped here so that both give the same text and line."""
    loc = raw.stmt_location or 0
    return _first_token(text, loc), (loc + raw.stmt_len if raw.stmt_len else None)


def _first_token(text: str, pos: int) -> int:
    """The offset of the first token at or after ``pos``: whitespace and comments (nested
    ``/* */`` included) skipped."""
    while m := _GAP.match(text, pos):
        pos = m.end()
        depth = 1 if m.group() == "/*" else 0
        while depth:
            c = _C_COMMENT.search(text, pos)
            if c is None:  # pragma: no cover - the text parsed, so its comments are closed
                return len(text)
            depth += 1 if c.group() == "/*" else -1
            pos = c.end()
    return pos


def _attach_trailing_comments(stmts: list[Statement], data: str, raws, lines: _Lines | None = None) -> None:
    """Give each statement the comment lines that follow it (before the next one).

    Used by inline ``-- rollback:`` annotations.
    """
    lines = lines or _Lines(data)
    for i, raw in enumerate(raws):
        start, end = statement_span(data, raw)
        end = end if end is not None else _last_token_end(data, start)
        nxt = statement_span(data, raws[i + 1])[0] if i + 1 < len(raws) else len(data)
        gap = data[end:nxt].lstrip().removeprefix(";")
        stmts[i].trailing_comments = [ln.strip() for ln in gap.splitlines() if ln.strip()]
        stmts[i].trailing_text = data[end:nxt]
        stmts[i].trailing_line = lines.line(end)


def _last_token_end(data: str, start: int) -> int:
    """End of the last token (comments excluded) from ``start``: where a final statement
    without ``;`` really ends (PostgreSQL gives it no length)."""
    try:
        tokens = [t for t in scan(data[start:]) if t.name not in ("SQL_COMMENT", "C_COMMENT")]
    except ParseError:  # pragma: no cover - the text parsed already
        return len(data)
    return start + tokens[-1].end + 1 if tokens else len(data)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
