"""Layout recovery: header rows, merged cells, non-data rows, header words to fields, township and wave hints."""
