"""The REST API (`/api/v1/`): DRF views and serializers over the same services and selectors
as the pages, above every other app (see ARCHITECTURE.md)."""
