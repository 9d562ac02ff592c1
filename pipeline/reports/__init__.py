"""The Word report for leaders and the wording of figures shared with the dashboard's summary."""
