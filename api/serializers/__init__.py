"""The API's serializers: one module per resource family, plus the error shape and the
helpers that describe the pages' forms to the schema."""
