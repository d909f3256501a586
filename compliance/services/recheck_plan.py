"""How a run's projects are cut into chunks: projects sharing people land together.

Each chunk fetches every tie of every person on its projects, so a person on projects in many
chunks has their ties fetched many times (people sit on many projects). Ordering projects by
their busiest people before slicing puts most of a person's projects into few chunks.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

from projects.models import Role

# Below this many projects a run is not split further to keep workers busy.
MIN_CHUNK = 50


def chunks_count(n: int, size: int, parallelism: int = 1) -> int:
    """How many chunks for n projects: at most `size` projects each, and (when there is more
    than one) a multiple of `parallelism`, so that every worker process gets the same number
    of equal chunks instead of one worker finishing a last short chunk alone."""
    if n <= 0:
        return 0
    needed = math.ceil(n / size)
    balanced = math.ceil(needed / parallelism) * parallelism
    return max(needed, min(balanced, max(1, n // MIN_CHUNK)))


def chunks_plan(ids: Sequence[int], size: int, parallelism: int = 1) -> list[list[int]]:
    """Equal slices of at most `size` projects, every project exactly once, in a number of
    chunks that is a multiple of `parallelism` (see chunks_count).

    A project's sort key is its people, busiest first (busy = roles on more projects in
    scope), then its id: projects of the same busy person are adjacent, and among them those
    sharing the next person too. A single chunk needs no grouping.
    """
    ids = sorted(set(ids))
    count = chunks_count(len(ids), size, parallelism)
    if count <= 1:
        return [ids] if ids else []
    people: dict[int, list[int]] = defaultdict(list)
    roles = Role.objects.filter(project_id__any=set(ids)).order_by()
    load: dict[int, int] = defaultdict(int)
    for project_id, person_id in roles.values_list("project_id", "person_id").iterator(10_000):
        people[project_id].append(person_id)
        load[person_id] += 1

    def busiest_first(project_id: int) -> tuple[tuple[int, int], ...]:
        mine = sorted(set(people.get(project_id, ())), key=lambda p: (-load[p], p))
        return tuple((-load[p], p) for p in mine)

    ordered = sorted(ids, key=lambda pk: (busiest_first(pk), pk))
    step = math.ceil(len(ordered) / count)
    return [sorted(ordered[i : i + step]) for i in range(0, len(ordered), step)]
