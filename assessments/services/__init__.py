"""Writes of the assessments app, one module per area: findings (rule engine), appraisals, reports."""
