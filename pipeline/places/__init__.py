"""Free-text destinations to GB/T 2260 province, city and county; the word lists and traditional characters they need."""
