"""openstc.jobs: routine screening on handbook Table 3.2.1's schedule, the on-demand queue, TTL clean-up.

:class:`~openstc.jobs.runner.Runner` takes the screening engine as a function (dependency
injection); :class:`~openstc.jobs.service.JobThread` drives it in the background of ``openstc serve``.
"""
