"""Batches of files into the warehouse (atomic, one bad file never stops a batch), bulk loads, restore, fix-lists."""
