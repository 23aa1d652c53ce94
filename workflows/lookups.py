"""`column = ANY(%s)`: membership in a list of ids passed as ONE array parameter.

`field__in=ids` writes one placeholder per id: with the 300-600 process ids of a team queue,
Django built and psycopg parsed ~600 parameters for each of the page's two queries (about
10 ms of a 100 ms page at 1,000,000 cases, docs/performance.md). As an array the query text
and its planning stay the same size whatever the number. SQLite (the embedded `make run`
database) has no arrays: there it is the usual IN list.

    Task.objects.filter(AnyOf(F("process_id"), ids))
"""

from django.db.models import BooleanField, Func


class AnyOf(Func):
    output_field = BooleanField()
    conditional = True

    def __init__(self, column, values):
        self.values = [int(value) for value in values]
        super().__init__(column)

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"{column} = ANY(%s)", (*params, self.values)
        if not self.values:
            return "1 = 0", params
        placeholders = ", ".join(["%s"] * len(self.values))
        return f"{column} IN ({placeholders})", (*params, *self.values)


__all__ = ["AnyOf"]
