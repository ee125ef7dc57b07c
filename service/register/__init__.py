"""The 政务舆情 register of every unit (协调部门、责任人、联络人、承办人): the org file's entries, the
admin's edits, who to call on a routing result, and the completeness report."""
