"""The work: the inbox and one page per human task of the case flow."""
