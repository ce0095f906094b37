"""openstc.auth: organizations, users, roles (handbook Tables 7.1.1/7.1.2), credentials and tokens.

:mod:`openstc.auth.policy` is pure (principal x resource x action -> decision);
:mod:`openstc.auth.accounts` reads and writes accounts in the store;
:mod:`openstc.auth.credentials` hashes client secrets and issues 24-hour JWTs.
"""
