"""
The simulators of every platform: ``python -m airflow_provider.sandbox`` serves them all.

Laid out like moto: :mod:`.kit` is the shared kit (clock, store, tokens, lifecycles, faults, the
app builder with the ``/_sandbox`` control API, the server runner); one package per platform
(``hypersku``, ``supership``, ``chao8``, ``hishopping``) holds its backend (state and rules),
its routes (HTTP) and its seed data (``data/*.json``). Product code never imports this package,
and this package never imports a platform's hooks, models or envelope.
"""
