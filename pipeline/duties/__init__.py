"""The duty list (督办): the rules with their thresholds and sources, its wording and per-branch downloads."""
