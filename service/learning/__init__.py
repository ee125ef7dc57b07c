"""Coordinators' corrections as training data: retraining the topic model and the merger."""
