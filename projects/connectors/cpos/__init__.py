"""SciENcv Current and Pending (Other) Support (CPOS) common form, the simple XML upload
template: read (``cpos_read``), checked against the template's structure (``cpos_validate``),
imported as disclosures (``cpos_import``) and built as a draft from grantcheck's data
(``cpos_build``). Format and field mapping: docs/cpos.md.
"""
