"""openstc.web."""
