"""Importing a caseload from another system (CSV/XLSX, a Primero v2 export): people, their
relatives and cases, each case walked to its stage through the stage services."""
