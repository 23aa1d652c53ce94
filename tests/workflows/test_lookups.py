"""AnyOf: a list of ids as one array parameter, the same rows as `__in`."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.models import F

from accounts.models import Office
from tests.factories import make_office
from workflows.lookups import AnyOf


@pytest.mark.django_db
def test_the_same_rows_as_in_with_one_parameter_whatever_the_number():
    offices = [make_office(code) for code in ("AAA", "BBB", "CCC")]
    wanted = [offices[0].pk, offices[2].pk, 999_999]
    query = Office.objects.filter(AnyOf(F("pk"), wanted))
    assert set(query) == set(Office.objects.filter(pk__in=wanted))
    sql, params = query.query.sql_with_params()
    assert "= ANY(%s)" in sql and list(params) == [wanted]
    assert not Office.objects.filter(AnyOf(F("pk"), [])).exists()


@pytest.mark.django_db
def test_sqlite_gets_an_in_list():
    expression = AnyOf(F("pk"), ["3", 4])
    compiler = Office.objects.all().query.get_compiler(connection=connection)
    column = compiler.compile(F("pk").resolve_expression(compiler.query))[0]
    sqlite = SimpleNamespace(vendor="sqlite")
    resolved = expression.resolve_expression(compiler.query)
    assert resolved.as_sql(compiler, sqlite) == (f"{column} IN (%s, %s)", (3, 4))
    assert AnyOf(F("pk"), []).resolve_expression(compiler.query).as_sql(compiler, sqlite)[0] == (
        "1 = 0"
    )
