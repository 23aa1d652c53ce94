"""Long lists page by cursor: stable under inserts, no OFFSET scan at depth."""

import datetime
import decimal
from dataclasses import dataclass

from django.core import signing
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination, CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


class Cursor(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-pk"


# --- keyset cursors over a selector's own order ----------------------------------------------


INVALID_CURSOR = _("This cursor is not valid: start again from the first page.")


@dataclass(frozen=True)
class _Key:
    name: str  # a lookup or an annotation of the queryset
    descending: bool
    nulls_last: bool

    def reversed(self) -> "_Key":
        return _Key(self.name, not self.descending, not self.nulls_last)

    def order(self):
        field = F(self.name)
        if self.descending:
            return field.desc(nulls_last=True) if self.nulls_last else field.desc(nulls_first=True)
        return field.asc(nulls_last=True) if self.nulls_last else field.asc(nulls_first=True)

    def after(self, value) -> Q:
        """Rows that come after `value` in this key's order."""
        if value is None:  # nulls last: nothing after; nulls first: every non-null value
            return Q(pk__in=[]) if self.nulls_last else Q(**{f"{self.name}__isnull": False})
        beyond = Q(**{f"{self.name}__{'lt' if self.descending else 'gt'}": value})
        return beyond | Q(**{f"{self.name}__isnull": True}) if self.nulls_last else beyond

    def equal(self, value) -> Q:
        if value is None:
            return Q(**{f"{self.name}__isnull": True})
        return Q(**{self.name: value})


def _keys_of(qs: QuerySet) -> list[_Key]:
    """The queryset's ORDER BY as keys (PostgreSQL's defaults: ascending puts nulls last,
    descending first), ending with the primary key so that the order is total."""
    keys = []
    for item in qs.query.order_by:
        if isinstance(item, str):
            descending = item.startswith("-")
            name = item.lstrip("-")
            keys.append(_Key(name, descending, nulls_last=not descending))
        elif isinstance(item, OrderBy) and isinstance(item.expression, F):
            nulls_last = item.nulls_last if item.nulls_last is not None else not item.descending
            if item.nulls_first:
                nulls_last = False
            keys.append(_Key(item.expression.name, item.descending, nulls_last))
        else:
            raise TypeError(f"Keyset paging cannot follow the ordering {item!r}")
    if not keys or keys[-1].name not in ("pk", "id"):
        descending = keys[-1].descending if keys else True
        keys.append(_Key("pk", descending, nulls_last=not descending))
    return keys


def _dump(value):
    if isinstance(value, datetime.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"d": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"n": str(value)}
    return value


def _load(value):
    if isinstance(value, dict):
        if "dt" in value:
            return datetime.datetime.fromisoformat(value["dt"])
        if "d" in value:
            return datetime.date.fromisoformat(value["d"])
        if "n" in value:
            return decimal.Decimal(value["n"])
        raise ValueError(value)
    if isinstance(value, list):
        raise ValueError(value)
    return value


class Keyset(BasePagination):
    """Cursor pages over a selector's own order (the inbox's "most urgent first", the case
    list's "newest first"): the cursor holds the last row's sort values, and the next page is
    the rows after them (a WHERE on the order's columns, never an OFFSET), so pages stay
    right while rows are added and cost the same at any depth. Nulls sort as the selector
    sorts them. `next` and `previous` are links (null at either end). Cursors are signed
    (SECRET_KEY) and name their list and order: a forged or foreign one is a 400."""

    page_size = Cursor.page_size
    page_size_query_param = Cursor.page_size_query_param
    max_page_size = Cursor.max_page_size
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.base_url = request.build_absolute_uri()
        size = self._page_size(request)
        keys = self.keys = _keys_of(queryset)
        backwards, position = self._decode(request, keys)
        walk = [k.reversed() for k in keys] if backwards else keys
        qs = queryset.annotate(**{f"_keyset_{i}": F(k.name) for i, k in enumerate(keys)})
        if position is not None:
            condition = Q(pk__in=[])
            for i, key in enumerate(walk):
                step = key.after(position[i])
                for earlier, value in zip(walk[:i], position[:i], strict=False):
                    step &= earlier.equal(value)
                condition |= step
            qs = qs.filter(condition)
        rows = list(qs.order_by(*(k.order() for k in walk))[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        if backwards:
            rows.reverse()
        self.rows = rows
        first = self._values(rows[0]) if rows else None
        last = self._values(rows[-1]) if rows else None
        if backwards:
            self.next_position = last if rows else position
            self.previous_position = first if more else None
        else:
            self.next_position = last if more else None
            self.previous_position = first if position is not None and rows else None
        return rows

    def _values(self, row) -> list:
        return [getattr(row, f"_keyset_{i}") for i in range(len(self.keys))]

    def _page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise ValidationError(
                {self.page_size_query_param: [_("Give a whole number of at least 1.")]}
            )
        return min(size, self.max_page_size)

    def _salt(self) -> str:
        # A cursor serves the list (and order) it came from only: signed with both.
        return f"api.cursor:{self.request.path}:{','.join(k.name for k in self.keys)}"

    def _decode(self, request, keys: list[_Key]):
        """The cursor's direction and position. It is signed: one that was not made by this
        list, in this order, is refused (400) rather than fed to the database."""
        raw = request.query_params.get(self.cursor_query_param)
        if not raw:
            return False, None
        try:
            data = signing.loads(raw, salt=self._salt())
            position = [_load(v) for v in data["p"]]
            backwards = bool(data.get("b"))
        except (signing.BadSignature, ValueError, KeyError, TypeError) as exc:
            raise ValidationError({self.cursor_query_param: [INVALID_CURSOR]}) from exc
        if len(position) != len(keys):
            raise ValidationError({self.cursor_query_param: [INVALID_CURSOR]})
        return backwards, position

    def _link(self, position, backwards: bool) -> str | None:
        if position is None:
            return None
        payload: dict[str, object] = {"p": [_dump(v) for v in position]}
        if backwards:
            payload["b"] = 1
        token = signing.dumps(payload, salt=self._salt(), compress=True)
        return replace_query_param(self.base_url, self.cursor_query_param, token)

    def get_paginated_response(self, data):
        return Response(
            {
                "next": self._link(self.next_position, backwards=False),
                "previous": self._link(self.previous_position, backwards=True),
                "results": data,
            }
        )

    def first_page_link(self) -> str:
        return remove_query_param(self.base_url, self.cursor_query_param)

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": str(_("The page after (or before) another: its next/previous.")),
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": str(_("Rows per page (at most 200).")),
                # 0 or less is a 400; more than 200 is served as 200.
                "schema": {"type": "integer", "minimum": 1},
            },
        ]
