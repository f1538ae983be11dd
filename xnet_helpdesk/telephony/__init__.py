"""Incoming and outgoing calls from the service centers' phone systems (a CTI link, Zammad's generic CTI
events): who is calling, which operators are told, the Call record, the callback list. The pure parts
(numbers.py, events.py) import nothing from Frappe."""
