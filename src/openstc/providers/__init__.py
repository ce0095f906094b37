"""openstc.providers."""
