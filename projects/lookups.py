"""`field__any=ids`: membership in a collection of integer keys, sent as ONE array parameter.

`field__in=[...]` renders one placeholder per value, and Django walks a list value element by
element: for the thousands of ids a re-check chunk filters on, building that SQL cost more than
running it. On PostgreSQL this renders `field = ANY(%s::bigint[])` with the ids as one array
literal; other databases get a plain IN list. Pass a set (or any iterable that is not a list
or tuple) to spare Django's walk over a list.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import models
from django.db.models import Lookup


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self) -> list[int]:
        return sorted({int(v) for v in self.rhs})

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = self.rhs
        if not values:
            raise EmptyResultSet
        if connection.vendor == "postgresql":
            literal = "{" + ",".join(map(str, values)) + "}"
            return f"{lhs} = ANY(%s::bigint[])", (*lhs_params, literal)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", (*lhs_params, *values)


models.Field.register_lookup(AnyOf)
models.ForeignObject.register_lookup(AnyOf)  # foreign keys keep their own lookup registry
