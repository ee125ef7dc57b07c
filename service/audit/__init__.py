"""The append-only audit log: actions, hash chains, checkpoints, verification."""
