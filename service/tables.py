"""Every table module, imported once: what Alembic and the schema test compare against."""

import service.accounts.models  # noqa: F401
import service.alerts.models  # noqa: F401
import service.models  # noqa: F401
import service.workflow.models  # noqa: F401
import service.review.models  # noqa: F401
import service.supervision.models  # noqa: F401
