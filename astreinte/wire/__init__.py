"""Sans-I/O codecs for Asterisk's protocols: they parse and build, they never await."""
