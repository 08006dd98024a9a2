"""
Everything that asks another server something: the one outbound HTTP client
(``catalog.sources.http``), and what is built on it (link health, proposal URL
checks, metadata providers). No other module opens a connection.
"""
