"""`uts-admin`: the operator's command line (agents, configuration, dead letters).

It lives in the gateway because the agents it manages are the gateway's (`uts_gateway`); the
configuration is reached over the broker through the config service's RPCs, and the dead
letters in RabbitMQ. One module per command group; `app.py` puts them together.
"""
