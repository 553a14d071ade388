"""How much the property tests (hypothesis) try: the same examples on every run.

`DVRIP_HYPOTHESIS_EXAMPLES` (default 1000) is the number of examples of a test of weight 1;
cheap tests weigh more, costly ones less. The normal run tries about 12,000 examples in all
(docs/reliability.md lists them); `DVRIP_HYPOTHESIS_EXAMPLES=20000` tries twenty times as
many. The examples are derandomized (a fixed seed per test) and no example database is kept,
so a failure shows on every run, on every machine, and the suite stays deterministic.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

BASE_EXAMPLES = int(os.environ.get("DVRIP_HYPOTHESIS_EXAMPLES", "1000"))


def examples(weight: float = 1.0) -> settings:
    """Settings for a property test worth `weight` times the base number of examples."""
    return settings(
        max_examples=max(1, round(BASE_EXAMPLES * weight)),
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
