"""Reading migration files into statements with their source positions.

Parsing uses pglast, i.e. PostgreSQL's own grammar. Errors carry ``path:line:column``.
"""

from __future__ import annotations

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

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def stem(self) -> str:
        return f"{self.version}_{self.name}"

    def statements(self) -> list[Statement]:
        return parse_statements(self.text, self.path)

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


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset (pglast reports character offsets)."""
    before = text[:offset]
    line = before.count("\n") + 1
    col = len(before[before.rfind("\n") + 1 :]) + 1
    return line, col


def _error_offset(text: str, reported: int, message: str) -> int:
    """The character offset of a parse error.

    PostgreSQL reports the error position in characters, and pglast maps it once more as
    if it were a byte offset (to the index of the character holding that byte). Several
    offsets can map to ``reported``; the one where the token named by the message
    (``at or near "x"``) starts wins. For ASCII text the answer is ``reported`` itself.
    """
    owner = [i for i, ch in enumerate(text) for _ in range(len(ch.encode()))]
    candidates = [t for t in range(min(len(owner), len(text) + 1)) if owner[t] == reported] or [reported]
    near = re.search(r'at or near "(.*)"$', message)
    for t in candidates:
        if near and text.startswith(near.group(1), t):
            return t
    return candidates[0]


def parse_statements(text: str, path: Path) -> list[Statement]:
    """Split and parse ``text``; raise InputError with ``path:line:column`` on bad SQL."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    try:
        raws = parse_sql(text)
    except ParseError as exc:
        message = exc.args[0]
        offset = exc.args[1] if len(exc.args) > 1 and exc.args[1] is not None else len(text)
        offset = max(0, min(_error_offset(text, offset, message), len(text.rstrip())))
        line, col = _line_col(text, offset)
        src = text.split("\n")[line - 1]
        raise InputError(f"{path}:{line}:{col}: {message}\n    {src}\n    {' ' * (col - 1)}^") from None
    out: list[Statement] = []
    for raw in raws:
        start = raw.stmt_location or 0
        end = start + raw.stmt_len if raw.stmt_len else len(text)
        sql = text[start:end].strip()
        line, _ = _line_col(text, start)
        out.append(Statement(node=raw.stmt, sql=sql, path=path, line=line))
    _attach_trailing_comments(out, text, raws)
    return out


def _attach_trailing_comments(stmts: list[Statement], data: str, raws) -> None:
    """Give each statement the comment lines that follow it (before the next one).

    Used by inline ``-- rollback:`` annotations.
    """
    for i, raw in enumerate(raws):
        start = raw.stmt_location or 0
        end = start + raw.stmt_len if raw.stmt_len else _last_token_end(data, start)
        nxt = raws[i + 1].stmt_location if i + 1 < len(raws) else len(data)
        gap = data[end:nxt].lstrip().removeprefix(";")
        stmts[i].trailing_comments = [ln.strip() for ln in gap.splitlines() if ln.strip()]
        stmts[i].trailing_text = data[end:nxt]
        stmts[i].trailing_line = data.count("\n", 0, end) + 1


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
