"""The demo portfolio's facts beyond ties (seeds/demo/catalogue.yaml `items`): equipment,
foreign components, patents and our institution, as import tables. Placed without the random
generator, so the rest of the portfolio is the same with or without them."""

from __future__ import annotations

from typing import Any

from projects.importing import Table

PROJECT_SHEETS = ("equipment", "foreign_components", "patents")
INSTITUTION_SHEETS = ("institution_agreements", "programme_elements")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _project_for(item: dict[str, Any], projects: list[dict[str, str]]) -> dict[str, str] | None:
    candidates = sorted(
        (
            p
            for p in projects
            if p["status"] in {"active", "proposal"}
            and p["sponsor"] == item["sponsor"]
            and item.get("department", p["department"]) == p["department"]
        ),
        key=lambda p: p["award_number"],
    )
    return candidates[0] if candidates else None


def demo_item_tables(
    items: dict[str, Any], projects: list[dict[str, str]], roles: list[dict[str, str]]
) -> dict[str, Table]:
    pi_of = {r["award_number"]: r["email"] for r in roles if r["role"] == "pi"}
    rows: dict[str, list[dict[str, str]]] = {}
    for sheet in PROJECT_SHEETS:
        for item in items.get(sheet, []):
            project = _project_for(item, projects)
            if project is None or project["award_number"] not in pi_of:
                continue
            row = {k: _text(v) for k, v in item.items() if k not in {"sponsor", "department"}}
            row["award_number"] = project["award_number"]
            row["sponsor"] = project["sponsor"]
            if sheet == "patents":  # the PI's own filing, not scoped to the project
                row["email"] = pi_of[project["award_number"]]
                row["award_number"] = row["sponsor"] = ""
            rows.setdefault(sheet, []).append(row)
    if items.get("institution"):
        rows["institution"] = [{k: _text(v) for k, v in items["institution"].items()}]
        for sheet in INSTITUTION_SHEETS:
            rows[sheet] = [{k: _text(v) for k, v in i.items()} for i in items.get(sheet, [])]
    return {
        name: Table(
            name=name,
            file=f"demo:{name}",
            columns=list(found[0]),
            rows=[(i + 2, r) for i, r in enumerate(found)],
        )
        for name, found in rows.items()
        if found
    }
