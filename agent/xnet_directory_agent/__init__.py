"""XNet Helpdesk on-site directory agent: reads a client's Active Directory and pushes its people to the
helpdesk through SCIM 2.0 (outbound HTTPS only). Depends on ldap3 and requests, nothing else."""

__version__ = "0.1.0"
