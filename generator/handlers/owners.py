"""Shared rule for ``ALTER <kind> ... OWNER TO``: the SQL that gives an object back.

PostgreSQL's ``aclnewowner`` folds the privileges the new owner held on the object into
its implicit owner rights. Giving the object back to the previous owner moves those
rights to that owner again, so the new owner's own grants must be granted once more
(with their grant options). The catalog never records the owner's privileges, so after
the forward change the new owner's explicit grants are forgotten.
"""

from __future__ import annotations

from ..catalog import Catalog, ObjRef
from ..refs import grant_sql
from ..sqltext import quote_ident
from ..steps import Step


def give_back(cat: Catalog, ref: ObjRef, alter: str, previous: str, new_owner: str, title: str) -> list[Step]:
    """Steps that undo ``<alter> OWNER TO new_owner`` (``alter`` is e.g. ``ALTER TYPE public.t``).

    Applies the forward change's effect on the catalog's ACL. Returns no step when the
    owner does not change.
    """
    if new_owner == previous:
        return []
    sql = [f"{alter} OWNER TO {quote_ident(previous)};"]
    held, with_option = cat.privileges(ref, new_owner), cat.grant_options_of(ref, new_owner)
    if held - with_option:
        sql.append(grant_sql(ref[0], ref[1], new_owner, held - with_option))
    if with_option:
        sql.append(grant_sql(ref[0], ref[1], new_owner, with_option, grant_option=True))
    cat.set_privileges(ref, new_owner, set())
    return [Step(title=title, group="Restore Owners", sql=sql)]


def owner_sql(alter: str, owner: str | None, current_user: str) -> list[str]:
    """``ALTER ... OWNER TO`` for a recreated object whose owner is not the migrations' role."""
    if owner and owner != current_user:
        return [f"{alter} OWNER TO {quote_ident(owner)};"]
    return []
