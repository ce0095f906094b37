"""openstc.api."""
