"""openstc.store."""
