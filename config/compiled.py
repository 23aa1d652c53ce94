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

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import get_related_populators

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

    def instances(self, *args, variant: Hashable = None, using: str = "default") -> list:
        """Model instances, with their select_related objects, as ModelIterable builds them."""
        plan = self._plan(using, variant, args)
        if plan.model is None or plan.annotated:
            raise ValueError("CompiledQuery.instances: a queryset of model instances, unannotated")
        rows = self._fetch(plan, using, args)
        connection = connections[using]
        objects = []
        for fetched in rows:
            row = list(fetched)
            for position, (converters, expression) in plan.converters or ():
                value = row[position]
                for converter in converters:
                    value = converter(value, expression, connection)
                row[position] = value
            obj = plan.model.from_db(using, plan.init_list, row[plan.model_slice])
            for populator in plan.populators or ():
                populator.populate(row, obj)
            objects.append(obj)
        return objects
