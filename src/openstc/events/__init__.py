"""openstc.events."""
