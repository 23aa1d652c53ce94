"""Importing a caseload from another system (CSV/XLSX, a Primero v2 export): people, their
relatives and households, and cases at their stage, written in batches (bulk.py); a batch that
fails is redone row by row through the stage services (walk.py)."""
