"""One process of the concurrency test: a seeded mix of service-layer writes on shared panels.

Run as ``python -m tests.panels.concurrent_edits <process> <operations> <panel ids> <super ids>``
with ``DATABASE_URL`` naming the test database; prints one JSON line per operation.
"""

import json
import logging
import random
import sys


def main(process: int, operations: int, panel_ids: list[int], super_ids: list[int]) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError
    from panels import services
    from panels.models import Entity, Gene, Panel

    retries = []
    logging.getLogger("panels.services.versions").addFilter(lambda record: retries.append(record.getMessage()) or True)
    rng = random.Random(process)  # noqa: S311 - a reproducible mix, not security
    curator = get_user_model().objects.get(username="concurrency-curator")
    mine: dict[str, list[str]] = {}
    for number in range(operations):
        kind = rng.choices(["add", "tags", "panel", "children"], weights=[5, 3, 1, 1])[0]
        if kind == "tags" and not mine:
            kind = "add"
        outcome = {"process": process, "number": number, "kind": kind}
        try:
            if kind == "add":
                symbol = f"C{process}X{number}"
                tags = rng.sample([f"new-{k}" for k in range(12)], rng.randint(1, 4))
                gene = Gene.objects.create(hgnc_symbol=symbol)
                services.add_entity(
                    curator, Panel(pk=rng.choice(panel_ids)), entity_type="gene", gene=gene, sources=["Lit"], tags=tags
                )
                mine[symbol] = sorted(tags)
                outcome.update(symbol=symbol, tags=sorted(tags))
            elif kind == "tags":
                symbol = rng.choice(sorted(mine))
                tags = sorted(rng.sample([f"new-{k}" for k in range(12)], rng.randint(1, 4)))
                while tags == mine[symbol]:
                    tags = sorted(rng.sample([f"new-{k}" for k in range(12)], rng.randint(1, 4)))
                services.update_entity(curator, Entity.objects.get(entity_name=symbol), tags=tags)
                mine[symbol] = tags
                outcome.update(symbol=symbol, tags=tags)
            elif kind == "panel":
                services.update_panel(
                    curator, Panel(pk=rng.choice(super_ids)), disease_sub_group=f"p{process}n{number}"
                )
            else:
                children = rng.sample(panel_ids, rng.randint(1, len(panel_ids)))
                services.update_panel(
                    curator, Panel(pk=rng.choice(super_ids)), child_panels=Panel.objects.filter(pk__in=children)
                )
            outcome["ok"] = True
        except (ValidationError, services.ConcurrentEditError) as error:
            outcome.update(ok=False, error=type(error).__name__, message=str(error))
        except Exception as error:  # reported: the test decides
            outcome.update(ok=False, error=type(error).__name__, message=str(error)[:300])
        outcome["retries"], retries[:] = len(retries), []
        # One write per line: print() writes the text and its newline apart, and a log line written
        # between them (from a task's thread) would share the line.
        sys.stdout.write(json.dumps(outcome) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4]))
