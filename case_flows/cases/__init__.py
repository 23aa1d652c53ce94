"""Cases and people: registering, the case page, reopening, risk and relatives."""
