"""`python -m custom_components.dvrip.pictures export ...` (see `cli`)."""

from .cli import main

raise SystemExit(main())
