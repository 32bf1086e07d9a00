"""Hypothesis strategies for hostile SQL identifiers.

An identifier here is any text PostgreSQL accepts as a quoted identifier: no NUL, not
empty. The strategy favours what breaks generators: double and single quotes, ``;``,
``--``, ``/* */``, dollar quotes (``$$`` and the tags the rendered file uses itself:
``$q$``, ``$preflight$``, ``$assert$``), backslashes, psql's ``:var`` syntax, ``%``
(format() specifiers), whitespace and line breaks, upper case, reserved words, non-ASCII
letters (2, 3 and 4 bytes in UTF-8) and lengths around PostgreSQL's 63-byte limit, where
the server truncates the name on a character boundary.
"""

from __future__ import annotations

from hypothesis import strategies as st
from pglast import keywords

from generator.sqltext import NAMEDATALEN

PIECES = [
    '"', '""', "'", ";", "--", "/*", "*/", "$$", "$q$", "$preflight$", "$assert$", "$1", "\\", "\\'",
    ":x", ":'x'", '%s', '%I', "%%", " ", "\n", "\r\n", "\t", "(", ")", ",", ".", "*", "E'", "é", "ß", "中文",
    "🙂", "Ω", "\u00a0", "\u2028", "A", "Z", "_", "0", "9", "x", "select", "drop table t;", "PUBLIC", "Public",
]
RESERVED = sorted(keywords.RESERVED_KEYWORDS | keywords.TYPE_FUNC_NAME_KEYWORDS | keywords.COL_NAME_KEYWORDS)
ASCII = "abcdefghijklmnopqrstuvwxyz_0123456789ABC $;'\"-"

_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")


def truncated(name: str) -> str:
    """The name PostgreSQL stores: at most NAMEDATALEN-1 bytes, cut on a character boundary
    (independent of generator.sqltext, which is under test)."""
    raw = name.encode()
    while len(raw) > NAMEDATALEN - 1:
        name = name[:-1]
        raw = name.encode()
    return name


def quoted(name: str) -> str:
    """Always-quoted identifier, as the tests write them."""
    return '"' + name.replace('"', '""') + '"'


raw_identifiers = st.one_of(
    # pieces glued together: quotes, comment markers, dollar quotes...
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(ASCII, min_size=1, max_size=6)), min_size=1, max_size=6).map("".join),
    # reserved words, as they are and upper-cased
    st.sampled_from(RESERVED),
    st.sampled_from(RESERVED).map(str.upper),
    # plain lower-case names (quote_ident leaves them unquoted)
    st.from_regex(r"[a-z_][a-z0-9_]{0,12}", fullmatch=True),
    # any unicode text
    st.text(_chars, min_size=1, max_size=12),
    # around the 63-byte limit: a prefix of 1-, 2-, 3- or 4-byte characters and a tail
    st.tuples(st.sampled_from(["a", "é", "中", "🙂"]), st.integers(14, 70), st.text(ASCII + "é中🙂\"", max_size=4))
      .map(lambda t: (t[0] * t[1])[: max(1, 70 - len(t[2]))] + t[2]),
)

SYSTEM_COLUMNS = {"oid", "tableoid", "xmin", "xmax", "cmin", "cmax", "ctid"}


def identifiers(kind: str = "object") -> st.SearchStrategy[str]:
    """Identifiers valid for ``kind`` ("object", "column", "role", "relation", "type")."""

    def ok(name: str) -> bool:
        t = truncated(name)
        if not t or "\x00" in t:
            return False
        if kind == "column" and t in SYSTEM_COLUMNS:
            return False
        if kind == "role" and (t in ("public", "none") or t.startswith("pg_")):
            return False
        if kind in ("relation", "type") and t.startswith("_"):
            return False  # "_x" is the name PostgreSQL gives the array type of "x"
        if "\r\n" in t:
            # Open bug (regressions/crlf_inside_quoted_name.sql): parse.parse_statements turns
            # every CRLF of a migration into LF, also inside quoted names and literals.
            return False
        return True

    return raw_identifiers.filter(ok)


def distinct_names(kinds: list[str]) -> st.SearchStrategy[list[str]]:
    """One identifier per entry of ``kinds``, all different once truncated."""

    @st.composite
    def draw(d) -> list[str]:
        out: list[str] = []
        seen: set[str] = set()
        for k in kinds:
            name = d(identifiers(k).filter(lambda n: truncated(n) not in seen))
            seen.add(truncated(name))
            out.append(name)
        return out

    return draw()


enum_labels = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(_chars, min_size=1, max_size=8))
    .filter(lambda s: len(s.encode()) <= 63 and "\r\n" not in s),  # CRLF: see identifiers()
    min_size=1, max_size=3, unique=True,
)
