"""The two speed shims of generator/sqltext.py give exactly what pglast's own code gives.

``populate_ancestors`` replaces pglast's (the printer calls it before printing any tree),
``clone`` replaces ``copy.deepcopy`` of parse trees. Both are checked on every statement
of the corpus, the example project and the benchmark generator's migrations.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest
from pglast import ast, parse_sql
from pglast.stream import RawStream

from generator import sqltext

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import synth  # noqa: E402


def _texts() -> list[tuple[str, str]]:
    files = sorted((ROOT / "tests" / "corpus").rglob("*.sql")) + sorted((ROOT / "supabase" / "migrations").glob("*.sql"))
    out = [(str(f.relative_to(ROOT)), f.read_text(encoding="utf-8")) for f in files]
    out += [(f"synth migration {i}", synth.migration(i)) for i in (1, 2, 7)]
    return out


TEXTS = _texts()


def _walk(tree):
    """Every node of ``tree`` in a fixed order."""
    todo = [tree]
    while todo:
        value = todo.pop()
        if isinstance(value, ast.Node):
            yield value
            todo.extend(getattr(value, m) for m in value)
        elif isinstance(value, tuple):
            todo.extend(value)


def _chain(anc) -> list[tuple[str, object]]:
    out = []
    while anc is not None:
        out.append((type(anc.node).__name__, anc.member))
        anc = anc.parent
    return out


_NO_SHIM = pytest.mark.skipif(sqltext.PGLAST_POPULATE_ANCESTORS is None,
                              reason="pglast < 8.6 has no visitors.populate_ancestors to replace")


@_NO_SHIM
@pytest.mark.parametrize("name,text", TEXTS, ids=[n for n, _ in TEXTS])
def test_ancestors_equal_pglasts(name: str, text: str) -> None:
    mine, theirs = parse_sql(text), parse_sql(text)
    sqltext.populate_ancestors(mine)
    sqltext.PGLAST_POPULATE_ANCESTORS(theirs)
    a, b = list(_walk(mine)), list(_walk(theirs))
    assert len(a) == len(b) > 0
    for x, y in zip(a, b):
        assert type(x) is type(y)
        assert _chain(x.ancestors) == _chain(y.ancestors)
        assert (x.ancestors @ mine) is x  # the chain leads back to the node


@pytest.mark.smoke
@_NO_SHIM
@pytest.mark.parametrize("name,text", TEXTS, ids=[n for n, _ in TEXTS])
def test_printing_unchanged(name: str, text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = parse_sql(text)
    fast = [sqltext.render(raw.stmt) for raw in tree]
    monkeypatch.setattr("pglast.visitors.populate_ancestors", sqltext.PGLAST_POPULATE_ANCESTORS)
    slow = [sqltext.render(raw.stmt) for raw in parse_sql(text)]
    assert fast == slow
    assert RawStream()(parse_sql(text)) == RawStream()(tree)


@pytest.mark.parametrize("name,text", TEXTS, ids=[n for n, _ in TEXTS])
def test_clone_is_an_independent_equal_tree(name: str, text: str) -> None:
    tree = parse_sql(text)
    sqltext.render(tree[0].stmt)  # a printed tree carries ancestors: they must not be copied
    for raw in tree:
        c = sqltext.clone(raw.stmt)
        assert c == raw.stmt == copy.deepcopy(raw.stmt)
        assert sqltext.render(c) == sqltext.render(raw.stmt)
        originals = {id(n) for n in _walk(raw.stmt)}
        assert not any(id(n) in originals for n in _walk(c))


def test_clone_of_a_changed_copy_leaves_the_original() -> None:
    stmt = parse_sql("CREATE TABLE public.t (id bigint PRIMARY KEY, b text DEFAULT 'x')")[0].stmt
    c = sqltext.clone(stmt)
    c.relation.relname = "u"
    c.tableElts[1].colname = "z"
    assert sqltext.render(stmt) == "CREATE TABLE public.t (id bigint PRIMARY KEY, b text DEFAULT 'x')"
    assert sqltext.render(c) == "CREATE TABLE public.u (id bigint PRIMARY KEY, z text DEFAULT 'x')"
