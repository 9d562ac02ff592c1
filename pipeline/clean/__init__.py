"""Values to typed members: one function per field, vocabularies, ID hashing, row rules (pandera), quarantine rows."""
