"""`python -m service.cli.main` = the `yuqing` command."""

from service.cli.main import main

raise SystemExit(main())
