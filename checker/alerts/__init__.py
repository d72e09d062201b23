"""Alerts (定向订阅): a saved assessment's confirmed e-mail address is told of verdict changes and opened windows."""
