"""Report exports for auditors: CSV, XLSX and PDF writers plus the export manifest.

Pure code (no Django, no ORM): views and tasks turn querysets into :class:`Section` objects
(lazy row iterators of mappings) and hand them to a writer.

* :func:`csv_chunks` / :func:`write_csv`: streaming RFC 4180 CSV, UTF-8, optional BOM.
* :func:`write_xlsx`: typed cells, frozen header, autofilter, one sheet per section.
* :func:`write_pdf`: cover with the manifest, exposure bar chart, tables.
* :class:`Manifest` and :func:`sha256_file`: what was exported and the files' SHA-256.

Text cells are neutralised against formula injection (:func:`neutralise`); typed numbers,
dates and booleans are written as such and never altered. See ``writers.py`` for the rules.
"""

from compliance.reports.csv_writer import csv_cell, csv_chunks, write_csv
from compliance.reports.manifest import (
    Manifest,
    sha256_bytes,
    sha256_chunks,
    sha256_file,
    utc_now_iso,
)
from compliance.reports.pdf_writer import pdf_cell_text, transliterate, write_pdf
from compliance.reports.writers import (
    KINDS,
    BytesSink,
    Column,
    Section,
    coerce,
    needs_neutralising,
    neutralise,
)
from compliance.reports.xlsx_writer import write_xlsx

__all__ = [
    "KINDS",
    "BytesSink",
    "Column",
    "Manifest",
    "Section",
    "coerce",
    "csv_cell",
    "csv_chunks",
    "needs_neutralising",
    "neutralise",
    "pdf_cell_text",
    "sha256_bytes",
    "sha256_chunks",
    "sha256_file",
    "transliterate",
    "utc_now_iso",
    "write_csv",
    "write_pdf",
    "write_xlsx",
]
