"""问责 records with their 整改 reports (a working-day deadline swept for reminders and overdue),
and the annual 政务公开 assessment (a 不合格 brings a 通报批评 and a 10-working-day 整改)."""
