"""Supervision notices (督办单) issued by the government office."""
