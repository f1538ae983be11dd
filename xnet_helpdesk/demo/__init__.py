"""A realistic demo of the incident desk: `bench --site SITE xnet-helpdesk-demo` (see loader.load_demo)."""
