"""Bulk inserts through PostgreSQL COPY: a re-check writes tens of thousands of rows per chunk.

Django's bulk_create sends every column as an array parameter that psycopg quotes in Python,
which costs more than evaluating the rules. COPY streams the rows instead. Other databases
(SQLite in tests) use bulk_create.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.db import IntegrityError, connection, connections, models, transaction
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.signals import post_init, pre_init
from psycopg.errors import UniqueViolation

from projects.auditing import attribute_reader

M = TypeVar("M", bound=models.Model)
SIMPLE_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.FloatField,
    models.BooleanField,
    models.DateTimeField,
    models.DateField,
)


_FIELDS: dict[type[models.Model], list[tuple[str, Any, Any]]] = {}
_DIRECT: dict[type[models.Model], bool] = {}


def _fields(model: type[models.Model]) -> list[tuple[str, Any, Any]]:
    """(attname, static default, default factory) of each concrete field."""
    fields = _FIELDS.get(model)
    if fields is None:
        fields = _FIELDS[model] = [
            (f.attname, None, f.get_default)
            if f.has_default() and callable(f.default)  # a fresh list, dict, ... each time
            else (f.attname, f.get_default(), None)
            for f in model._meta.concrete_fields
        ]
    return fields


def _direct(model: type[models.Model]) -> bool:
    """Whether a new instance may be filled in through its __dict__: no signal handler wants
    to see it constructed, and no attribute is a descriptor that acts on assignment, but for
    a foreign key's id (whose setter only forgets a cached related object, which a new
    instance has not got)."""
    direct = _DIRECT.get(model)
    if direct is None:
        direct = _DIRECT[model] = not (
            pre_init.has_listeners(model) or post_init.has_listeners(model)
        ) and all(
            isinstance(d, ForeignKeyDeferredAttribute) or not hasattr(d, "__set__")
            for d in (getattr(model, f.attname, None) for f in model._meta.concrete_fields)
        )
    return direct


def build(model: type[M], values: dict[str, Any]) -> M:
    """A new, unsaved instance from attribute values (attnames). A re-check builds thousands
    per chunk: where _direct() allows, the values go straight into the instance's __dict__
    (about a third of what Django's positional constructor costs, itself several times
    cheaper than keyword arguments). Missing attributes take the field's default."""
    fields = _fields(model)
    row = [
        values[name] if name in values else (make() if make is not None else static)
        for name, static, make in fields
    ]
    if not _direct(model):
        return model(*row)
    obj = model.__new__(model)
    obj.__dict__.update(zip([name for name, _s, _m in fields], row, strict=True))
    obj._state = ModelState()
    return obj


class RawJSON(str):
    """A value for a JSON column that is serialised already: COPY sends it as it is."""


def _q(name: Any) -> str:
    return str(connection.ops.quote_name(str(name)))


def _columns(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    pk = model._meta.pk
    return [
        f
        for f in model._meta.concrete_fields
        if not (f is pk and isinstance(f, models.AutoField | models.BigAutoField))
    ]


def _preparers(fields: Sequence[models.Field[Any, Any]]) -> list[Any]:
    """Per column: None to send the Python value as it is (psycopg adapts str, int, float,
    bool, Decimal, date and datetime itself), else a function preparing it."""
    out: list[Any] = []
    for f in fields:
        if isinstance(f, models.JSONField):
            # As json.dumps(value, cls=f.encoder), with one encoder for every row.
            encode = (f.encoder or json.JSONEncoder)().encode

            def dump(value: Any, encode: Any = encode) -> Any:
                if value is None or isinstance(value, RawJSON):
                    return value
                return encode(value)

            out.append(dump)
        elif isinstance(f, SIMPLE_FIELDS) or f.is_relation:
            out.append(None)
        else:
            # The connection itself, not django.db.connection: every attribute read on that
            # proxy looks the connection up again (per row and column, that added up).
            real = connections[connection.alias]

            def prep(value: Any, f: models.Field[Any, Any] = f, real: Any = real) -> Any:
                return f.get_db_prep_save(value, real)

            out.append(prep)
    return out


def _rows(fields: Sequence[models.Field[Any, Any]], objs: Sequence[models.Model]) -> list[Any]:
    if not objs:
        return []
    prepared = [(i, p) for i, p in enumerate(_preparers(fields)) if p is not None]
    auto = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    read = attribute_reader([f.attname for f in fields])
    rows = []
    for obj in objs:
        for f in auto:
            f.pre_save(obj, True)
        row = list(read(obj))
        for i, prep in prepared:
            row[i] = prep(row[i])
        rows.append(row)
    return rows


def copy_rows(
    model: type[models.Model], fields: Sequence[models.Field[Any, Any]], rows: Iterable[Any]
) -> None:
    """Stream rows (values in `fields` order, ready for the database: JSON columns as JSON
    text) into the model's table by COPY (PostgreSQL only)."""
    names = ", ".join(_q(f.column) for f in fields)
    table = _q(model._meta.db_table)
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,  # Django's IntegrityError etc., as for other writes
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _copy_into_temp(raw: Any, temp: str, table: str, names: str, rows: Iterable[Any]) -> None:
    """Stream rows into a temporary copy of `table`'s columns `names`, created empty (or
    emptied) and dropped at the commit: keep it inside a transaction."""
    # Identifiers only, quoted, from the model's metadata.
    create = f"CREATE TEMP TABLE IF NOT EXISTS {temp} ON COMMIT DROP AS SELECT {names} FROM "  # noqa: S608
    raw.execute(f"{create} {table} WITH NO DATA")
    raw.execute(f"TRUNCATE {temp}")
    with raw.copy(f"COPY {temp} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def copy_insert(objs: Sequence[models.Model]) -> None:
    """Insert these new objects of one model (primary keys are not read back)."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=2000)
        return
    fields = _columns(model)
    copy_rows(model, fields, _rows(fields, objs))


def copy_insert_values(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows given as {attname: value} (no model instances: cheaper for history rows);
    every column but the auto primary key must be given."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create([model(**r) for r in rows], batch_size=2000)
        return
    fields = _columns(model)
    preparers = _preparers(fields)
    copy_rows(
        model,
        fields,
        (
            [
                row[f.attname] if p is None else p(row[f.attname])
                for f, p in zip(fields, preparers, strict=True)
            ]
            for row in rows
        ),
    )


def copy_insert_new(objs: Sequence[M], key: Sequence[str]) -> list[M] | None:
    """Insert, skipping rows that conflict with an existing one (e.g. a concurrent run inserted
    it first); returns the objects this call inserted, their primary keys set.

    `key` names the attributes of the unique constraint the conflicts are on. Returns None on
    databases without COPY (the rows are then inserted with bulk_create, ignoring conflicts,
    and the caller reads them back).
    """
    if not objs:
        return []
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=2000, ignore_conflicts=True)
        return None
    fields = _columns(model)
    rows = _rows(fields, objs)
    if _copy_direct(model, fields, objs, rows):
        return list(objs)
    names = ", ".join(_q(f.column) for f in fields)
    table = _q(model._meta.db_table)
    by_key = {tuple(getattr(o, k) for k in key): o for o in objs}
    key_columns = ", ".join(_q(getattr(model._meta.get_field(k), "column", k)) for k in key)
    pk_column = _q(getattr(model._meta.pk, "column", "id"))
    with transaction.atomic(), connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor
        temp = _q(f"bulk_new_{model._meta.db_table}")
        _copy_into_temp(raw, temp, table, names, rows)
        raw.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM {temp} "  # noqa: S608
            f"ON CONFLICT DO NOTHING "
            f"RETURNING {pk_column}, {key_columns}"
        )
        inserted = []
        for pk, *values in raw.fetchall():
            obj = by_key[tuple(values)]
            obj.pk = pk
            obj._state.adding = False
            inserted.append(obj)
    return inserted


def _copy_direct(
    model: type[models.Model],
    fields: Sequence[models.Field[Any, Any]],
    objs: Sequence[models.Model],
    rows: Sequence[Sequence[Any]],
) -> bool:
    """COPY new rows straight into the table with primary keys drawn from its sequence,
    inside a savepoint; False (nothing kept, primary keys unset) when a row conflicts with
    one already there (a concurrent run inserted it first): the caller then goes through a
    temporary table and ON CONFLICT. Conflicts are rare, and the temporary table costs a
    second COPY and an INSERT ... SELECT every time."""
    pk = model._meta.pk
    assert pk is not None
    table = model._meta.db_table
    try:
        with transaction.atomic(), connection.cursor() as cursor, connection.wrap_database_errors:
            raw = cursor.cursor
            raw.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk.column, len(objs)],
            )
            ids = sorted(row[0] for row in raw.fetchall())
            copy_rows(model, [pk, *fields], ([i, *r] for i, r in zip(ids, rows, strict=True)))
    except IntegrityError as exc:
        if isinstance(exc.__cause__, UniqueViolation):
            return False
        raise
    for obj, i in zip(objs, ids, strict=True):
        obj.pk = i
        obj._state.adding = False
    return True


def copy_update(objs: Sequence[models.Model], fields: Sequence[str]) -> None:
    """bulk_update through a COPY into a temporary table and one UPDATE ... FROM: Django's
    bulk_update builds a CASE expression per field and row, which costs far more."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objs, fields, batch_size=1000)
        return
    pk = model._meta.pk
    assert pk is not None
    columns = [pk, *(model._meta.get_field(name) for name in fields)]
    concrete = [f for f in columns if isinstance(f, models.Field)]
    preparers = _preparers(concrete)
    names = [_q(f.column) for f in concrete]
    table = _q(model._meta.db_table)
    digest = hashlib.md5("".join(names).encode(), usedforsecurity=False).hexdigest()[:8]
    temp = _q(f"bulk_update_{model._meta.db_table}_{digest}")  # one per column set
    assignments = ", ".join(f"{n} = t.{n}" for n in names[1:])
    rows = (
        [v if p is None else p(v) for v, p in zip(values, preparers, strict=True)]
        for values in ([getattr(obj, f.attname) for f in concrete] for obj in objs)
    )
    with transaction.atomic(), connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor
        _copy_into_temp(raw, temp, table, ", ".join(names), rows)
        update = f"UPDATE {table} AS f SET {assignments} FROM {temp} AS t"  # noqa: S608
        raw.execute(f"{update} WHERE f.{names[0]} = t.{names[0]}")
