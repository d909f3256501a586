"""Names of the import's sheets beyond the four core ones (projects.importing.sheets):
equipment, foreign components, patents and the institution's facts."""

EXTRA_SHEET_NAMES = (
    "equipment",
    "foreign_components",
    "patents",
    "institution",
    "institution_agreements",
    "programme_elements",
)
