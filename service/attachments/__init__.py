"""Attachments (附件) of items, responses and 督办单 answers: stored files, served as downloads."""
