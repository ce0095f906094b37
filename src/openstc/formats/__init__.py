"""openstc.formats."""
