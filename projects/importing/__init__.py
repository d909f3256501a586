"""Portfolio import: projects, people, roles and ties from CSV folders or one XLSX."""

from projects.importing.readers import ImportProblem, Table
from projects.importing.service import (
    ImportReport,
    portfolio_import,
    portfolio_import_tables,
    portfolio_import_upload,
)

__all__ = [
    "ImportProblem",
    "ImportReport",
    "Table",
    "portfolio_import",
    "portfolio_import_tables",
    "portfolio_import_upload",
]
