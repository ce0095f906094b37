"""openstc.jobs."""
