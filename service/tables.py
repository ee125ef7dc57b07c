"""Every table module, imported once: what Alembic and the schema test compare against."""

import service.accountability.models
import service.alerts.models
import service.attachments.models
import service.audit.models
import service.auth.models
import service.calendar.models
import service.incidents.models
import service.orgs.models
import service.register.models
import service.review.models
import service.supervision.models  # noqa: F401
