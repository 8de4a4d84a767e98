"""The only code that awaits: Asterisk links, the store, the speech renderer."""
