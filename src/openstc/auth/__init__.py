"""openstc.auth."""
