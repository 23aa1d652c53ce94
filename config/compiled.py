"""Querysets compiled to SQL once per process (issue #22).

A task completion runs the same handful of reads every time with other ids (the flow lock,
the task with its process and case, the office's deadline policies, the actor's
permissions...). Building and compiling a Django queryset costs more CPU than PostgreSQL
spends answering such a read, so the hot paths keep the SQL of each: `CompiledQuery(build)`
compiles `build(variant, *args)` the first time it is asked for a given database, variant
and kinds of argument, with placeholder values standing for the arguments, and afterwards
runs that SQL with the new values, through the connection's cursor (query logging, execute
wrappers and query-count tests see it as before). Rows come back as the queryset would give
them: tuples (`rows`) or model instances built as Django's ModelIterable builds them, with
their `select_related` objects (`instances`).

`variant` is what changes the SQL's shape (an IN list, a setting), part of the cache key;
`args` are plain values (ints or strings) that only fill placeholders. A build whose SQL
does not carry every argument as a parameter is refused, never cached wrongly.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Model, QuerySet, signals
from django.db.models.query import get_related_populators
from django.db.models.sql import InsertQuery

# Placeholder values standing for the arguments while compiling: inside PostgreSQL's
# integer range (Django 5 turns an out-of-range integer lookup into an empty result).
_INT_BASE = 2_123_450_000
_STR_BASE = "\x1fcompiled-argument-"


def _placeholder(n: int, value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"CompiledQuery arguments are ints or strings, not {type(value)!r}")
    return _INT_BASE + n if isinstance(value, int) else f"{_STR_BASE}{n}"


@dataclass
class _Plan:
    sql: str
    params: list
    slots: list[tuple[int, int, type]]  # (position in params, argument number, its type)
    # for instances(): what ModelIterable derives from the compiler
    model: Any = None
    init_list: list | None = None
    model_slice: slice | None = None
    populators: list | None = None
    converters: list | None = None
    annotated: bool = False
    index: dict[str, int] | None = None  # for records(): a field's position in the row

    def with_arguments(self, args: tuple) -> list:
        params = list(self.params)
        for position, n, kind in self.slots:
            value = args[n]
            params[position] = value if type(value) is kind else kind(value)
        return params


class CompiledQuery:
    def __init__(self, build: Callable[..., QuerySet]):
        self._build = build
        self._plans: dict[Hashable, _Plan] = {}
        self._lock = threading.Lock()

    def _plan(self, using: str, variant: Hashable, args: tuple) -> _Plan:
        kinds = tuple(type(a) is int for a in args)
        key = (using, variant, kinds)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._compile(using, variant, args)
            with self._lock:
                self._plans[key] = plan
        return plan

    def _compile(self, using: str, variant: Hashable, args: tuple) -> _Plan:
        placeholders = [_placeholder(n, a) for n, a in enumerate(args)]
        queryset = self._build(variant, *placeholders).using(using)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        params = list(params)
        slots = []
        for position, value in enumerate(params):
            for n, placeholder in enumerate(placeholders):
                same_kind = isinstance(value, type(placeholder)) and not isinstance(value, bool)
                if same_kind and value == placeholder:
                    # the type Django gave the value (psycopg's Int8 for a bigint column)
                    slots.append((position, n, type(value)))
        if {n for _position, n, _type in slots} != set(range(len(args))):
            raise ValueError("CompiledQuery: an argument is not a plain parameter of the SQL")
        plan = _Plan(sql=sql, params=params, slots=slots)
        if compiler.klass_info is not None:
            select, klass_info = compiler.select, compiler.klass_info
            fields = klass_info["select_fields"]
            plan.model = klass_info["model"]
            plan.model_slice = slice(fields[0], fields[-1] + 1)
            plan.init_list = [f[0].target.attname for f in select[plan.model_slice]]
            plan.populators = get_related_populators(klass_info, select, using)
            plan.converters = list(
                compiler.get_converters([s[0] for s in select[0 : compiler.col_count]]).items()
            )
            plan.annotated = bool(compiler.annotation_col_map)
        return plan

    def _fetch(self, plan: _Plan, using: str, args: tuple) -> list:
        params = plan.with_arguments(args)
        with connections[using].cursor() as cursor:
            cursor.execute(plan.sql, params)
            return cursor.fetchall()

    def rows(self, *args, variant: Hashable = None, using: str = "default") -> list[tuple]:
        """The rows as the database returns them (for values_list of plain columns)."""
        plan = self._plan(using, variant, args)
        return self._fetch(plan, using, args)

    def sql(self, *args, variant: Hashable = None, using: str = "default") -> tuple[str, list]:
        """The SQL and its parameters, to be sent by the caller."""
        plan = self._plan(using, variant, args)
        params = plan.with_arguments(args)
        return plan.sql, params

    def _instance_plan(self, using: str, variant: Hashable, args: tuple) -> _Plan:
        plan = self._plan(using, variant, args)
        if plan.model is None or plan.annotated:
            raise ValueError("CompiledQuery.instances: a queryset of model instances, unannotated")
        return plan

    def instances(self, *args, variant: Hashable = None, using: str = "default") -> list:
        """Model instances, with their select_related objects, as ModelIterable builds them."""
        plan = self._instance_plan(using, variant, args)
        rows = self._fetch(plan, using, args)
        return [_build(plan, using, fetched) for fetched in rows]

    def records(self, *args, variant: Hashable = None, using: str = "default") -> list[Record]:
        """The rows of `instances`, each building its instance only when asked (`instance()`,
        once): for reads of many rows of which one is used. `record[attname]` is the
        column's value as the database returns it (before the field's converters)."""
        plan = self._instance_plan(using, variant, args)
        if plan.index is None:
            start = plan.model_slice.start if plan.model_slice is not None else 0
            plan.index = {name: start + n for n, name in enumerate(plan.init_list or ())}
        return [Record(plan, using, fetched) for fetched in self._fetch(plan, using, args)]


def _build(plan: _Plan, using: str, fetched: tuple):
    """An instance of one row, as ModelIterable builds it."""
    connection = connections[using]
    row = list(fetched)
    for position, (converters, expression) in plan.converters or ():
        value = row[position]
        for converter in converters:
            value = converter(value, expression, connection)
        row[position] = value
    obj = plan.model.from_db(using, plan.init_list, row[plan.model_slice])
    for populator in plan.populators or ():
        populator.populate(row, obj)
    return obj


class Record:
    """One row of `CompiledQuery.records`."""

    __slots__ = ("_plan", "_using", "_row", "_instance")

    def __init__(self, plan: _Plan, using: str, row: tuple):
        self._plan, self._using, self._row, self._instance = plan, using, row, None

    def __getitem__(self, attname: str) -> Any:
        return self._row[self._plan.index[attname]]  # type: ignore[index]

    def instance(self):
        if self._instance is None:
            self._instance = _build(self._plan, self._using, self._row)
        return self._instance


# -- saves of the fields that changed ---------------------------------------------------------

_UPDATES: dict[Hashable, str] = {}


def field_values(instance) -> dict[str, Any]:
    """The instance's concrete field values by attname, as `save_changed` compares them later
    (mutable values, such as a JSONField's dict, copied deeply: a change in place shows)."""
    return {
        field.attname: copy.deepcopy(value) if isinstance(value, dict | list) else value
        for field in instance._meta.concrete_fields
        for value in (getattr(instance, field.attname),)
    }


def save_changed(instance, before: dict[str, Any]) -> None:
    """`instance.save()` of an instance read as `before` (`field_values`) and not written since,
    with an UPDATE of only the fields whose values differ, its SQL built once per set of
    fields. Only where the row cannot have changed in between (read under a lock held since):
    the row ends as a full-row UPDATE leaves it. With a receiver of `pre_save`/`post_save` on
    the model, an inherited model, an unsaved instance or no row updated, `instance.save()`."""
    model = type(instance)
    meta = model._meta
    if (
        instance.pk is None
        or instance._state.adding
        or meta.parents
        or meta.select_on_save
        or signals.pre_save.has_listeners(model)
        or signals.post_save.has_listeners(model)
    ):
        instance.save()
        return
    using = instance._state.db or router.db_for_write(model, instance=instance)
    connection = connections[using]
    fields = [
        field
        for field in meta.local_concrete_fields
        if not field.primary_key
        and getattr(instance, field.attname) != before.get(field.attname, _MISSING)
    ]
    if not fields:
        return  # nothing to write (a full save would rewrite the same values)
    key = (model, using, tuple(field.attname for field in fields))
    sql = _UPDATES.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        table = quote(meta.db_table)
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
        sql = f"UPDATE {table} SET {assignments} WHERE {table}.{quote(meta.pk.column)} = %s"
        _UPDATES[key] = sql
    params = [
        field.get_db_prep_save(field.pre_save(instance, False), connection) for field in fields
    ]
    params.append(meta.pk.get_db_prep_value(instance.pk, connection))
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, params)
        updated = cursor.rowcount
    if not updated:
        instance.save()  # as Model.save when its UPDATE finds no row


_MISSING = object()


# -- INSERTs of new instances ----------------------------------------------------------------

_INSERTS: dict[Hashable, str] = {}


def _plain_for_insert(instance, model) -> bool:
    """Whether Model.save(force_insert=True) of `instance` is the one INSERT ... RETURNING
    its pk that `insert_statement` gives: a new instance without a pk, one table, no signal
    receivers, no ordering column, no field with its own placeholder, only the pk returned."""
    meta = model._meta
    return (
        instance.pk is None
        and instance._state.adding
        and not meta.parents
        and not meta.order_with_respect_to
        and meta.auto_field is not None
        and list(meta.db_returning_fields) == [meta.pk]
        and not signals.pre_save.has_listeners(model)
        and not signals.post_save.has_listeners(model)
        and not any(hasattr(field, "get_placeholder") for field in meta.local_concrete_fields)
    )


def insert_statement(instance, using: str) -> tuple[str, list] | None:
    """The INSERT ... RETURNING pk Model.save sends for a new `instance` (its related fields
    prepared by the caller), with its parameters: the SQL compiled once per model, the values
    prepared as Django's insert compiler prepares them. None where that is not the whole of a
    save (`_plain_for_insert`) or a value is an expression: the caller then saves."""
    model = type(instance)
    if not _plain_for_insert(instance, model):
        return None
    meta = model._meta
    connection = connections[using]
    fields = [f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field]
    key = (model, using)
    sql = _INSERTS.get(key)
    if sql is None:
        query = InsertQuery(model)
        query.insert_values(fields, [instance])
        compiler = query.get_compiler(using=using)
        compiler.returning_fields = [meta.pk]
        [(sql, params)] = compiler.as_sql()
        if sql.count("%s") != len(fields) or len(params) != len(fields):
            return None  # a value or placeholder other than a plain parameter: not cached
        _INSERTS[key] = sql
        return sql, list(params)
    values = [field.pre_save(instance, True) for field in fields]
    if any(hasattr(value, "resolve_expression") for value in values):
        return None
    prepared = zip(fields, values, strict=True)
    return sql, [field.get_db_prep_save(value, connection) for field, value in prepared]


def insert(instance) -> None:
    """`instance.save(force_insert=True)` of a new instance, its INSERT compiled once per
    model (`insert_statement`); otherwise (a model with its own save, a receiver of its save
    signals, ...) that save."""
    model = type(instance)
    if model.save is not Model.save:
        instance.save(force_insert=True)
        return
    instance._prepare_related_fields_for_save(operation_name="save")  # as Model.save
    using = instance._state.db or router.db_for_write(model, instance=instance)
    statement = insert_statement(instance, using)
    if statement is None:
        instance.save(force_insert=True)
        return
    sql, params = statement
    with transaction.mark_for_rollback_on_error(using), connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        setattr(instance, model._meta.pk.attname, cursor.fetchone()[0])
    instance._state.adding = False
    instance._state.db = using
