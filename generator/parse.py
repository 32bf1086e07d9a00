"""Reading migration files into statements with their source positions.

Parsing uses pglast, i.e. PostgreSQL's own grammar. Errors carry ``path:line:column``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from pglast import ast
from pglast.parser import ParseError, parse_sql


class InputError(Exception):
    """Input the user must fix (exit code 2): bad SQL, unreadable file, bad name."""


@dataclass
class Statement:
    node: ast.Node
    sql: str  # the statement's own text, as written
    path: Path
    line: int  # 1-based line of the statement's first token
    trailing_comments: list[str] = field(default_factory=list)

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


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line = before.count(b"\n") + 1
    col = len(before[before.rfind(b"\n") + 1 :].decode(errors="replace")) + 1
    return line, col


def parse_statements(text: str, path: Path) -> list[Statement]:
    """Split and parse ``text``; raise InputError with ``path:line:column`` on bad SQL."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    try:
        raws = parse_sql(text)
    except ParseError as exc:
        message, offset = exc.args[0], exc.args[1] if len(exc.args) > 1 else 0
        data = text.encode()
        offset = max(0, min(offset, len(data)))
        line, col = _line_col(data, offset)
        src = text.splitlines()[line - 1] if text.splitlines() else ""
        raise InputError(f"{path}:{line}:{col}: {message}\n    {src}\n    {' ' * (col - 1)}^") from None
    data = text.encode()
    out: list[Statement] = []
    for raw in raws:
        start = raw.stmt_location or 0
        end = start + raw.stmt_len if raw.stmt_len else len(data)
        sql = data[start:end].decode(errors="replace").strip()
        line, _ = _line_col(data, start)
        out.append(Statement(node=raw.stmt, sql=sql, path=path, line=line))
    _attach_trailing_comments(out, data, raws)
    return out


def _attach_trailing_comments(stmts: list[Statement], data: bytes, raws) -> None:
    """Give each statement the comment lines that follow it (before the next one).

    Used by inline ``-- rollback:`` annotations.
    """
    for i, raw in enumerate(raws):
        start = raw.stmt_location or 0
        end = start + raw.stmt_len if raw.stmt_len else len(data)
        nxt = raws[i + 1].stmt_location if i + 1 < len(raws) else len(data)
        gap = data[end:nxt].decode(errors="replace").lstrip().removeprefix(";")
        stmts[i].trailing_comments = [ln.strip() for ln in gap.splitlines() if ln.strip()]


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
