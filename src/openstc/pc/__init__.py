"""openstc.pc."""
