"""The daemon's long-lived objects kept out of the garbage collector's full passes.

What the daemon builds before it takes calls (the configuration, the rota, the imported modules,
holidays' and phonenumbers' tables: about 80 000 objects) lives as long as it does. CPython's
cyclic collector still walks all of them at each full pass, which a burst of calls triggers
(the calls' own objects outlive two younger passes while the calls last): about 30 ms of CPU
with the event loop stopped, every caller's next step waiting behind it (docs/performance.md).
``gc.freeze()`` moves them to a generation that no pass walks; ``settle`` collects first, so no
garbage is frozen with them. A reload replaces the configuration: ``refresh`` thaws, collects
the old one's cycles and freezes again (one full pass, at a reload, not during the calls).
"""

from __future__ import annotations

import gc


def settle() -> int:
    """Collect, then freeze what is left; how many objects are frozen in all."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def refresh() -> int:
    """After a reload: what was frozen and is garbage now is collected; the rest frozen again."""
    gc.unfreeze()
    return settle()
