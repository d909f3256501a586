"""How a run's projects are cut into chunks: projects sharing people land together.

Each chunk fetches every tie of every person on its projects, so a person on projects in many
chunks has their ties fetched many times (people sit on many projects). Ordering projects by
their busiest people before slicing puts most of a person's projects into few chunks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from projects.models import Role


def chunks_plan(ids: Sequence[int], size: int) -> list[list[int]]:
    """Slices of at most `size` projects, every project exactly once.

    A project's sort key is its people, busiest first (busy = roles on more projects in
    scope), then its id: projects of the same busy person are adjacent, and among them those
    sharing the next person too. A single chunk needs no grouping.
    """
    ids = sorted(set(ids))
    if len(ids) <= size:
        return [ids] if ids else []
    people: dict[int, list[int]] = defaultdict(list)
    roles = Role.objects.filter(project_id__in=ids) if len(ids) < 5000 else Role.objects.all()
    in_scope = set(ids)
    load: dict[int, int] = defaultdict(int)
    for project_id, person_id in roles.values_list("project_id", "person_id").iterator(10_000):
        if project_id in in_scope:
            people[project_id].append(person_id)
            load[person_id] += 1

    def busiest_first(project_id: int) -> tuple[tuple[int, int], ...]:
        mine = sorted(set(people.get(project_id, ())), key=lambda p: (-load[p], p))
        return tuple((-load[p], p) for p in mine)

    ordered = sorted(ids, key=lambda pk: (busiest_first(pk), pk))
    return [sorted(ordered[i : i + size]) for i in range(0, len(ordered), size)]
