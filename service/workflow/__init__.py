"""The incident workflow: claim → respond → follow up → close, returns and arbitration,
transfers, lead designation, merges, claim expiry. `states` holds the pure rules."""
