"""The incident: its tables, routing decision, workflow, ingest and sweep flows, events."""
