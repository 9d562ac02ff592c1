"""Files in: recognise a file by its bytes, guard sheet sizes, read xlsx/xls/CSV, store uploads, watch a folder."""
