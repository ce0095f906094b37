"""openstc.screening."""
