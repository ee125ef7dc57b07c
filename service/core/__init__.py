"""Settings, database, Redis and queue, the unit of work, domain errors and their HTTP mapping."""
