"""Sensitive-field tagging: NSTC Critical and Emerging Technologies (CET) 2024 areas."""

from rules.fields.tagger import (
    DEFAULT_THRESHOLD,
    FieldTag,
    ProjectText,
    Taxonomy,
    load_taxonomy,
    nsf_programme_codes,
    tag_project,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "FieldTag",
    "ProjectText",
    "Taxonomy",
    "load_taxonomy",
    "nsf_programme_codes",
    "tag_project",
]
