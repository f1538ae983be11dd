"""The SCIM discovery endpoints (RFC 7644 section 4): what this server supports, said truthfully."""

from xnet_helpdesk.scim.users import ENTERPRISE, LIST_SCHEMA, USER_SCHEMA, ScimError

SPC_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RT_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"


def _attr(name, type_="string", multi=False, required=False, sub=None, uniqueness="none"):
	attr = {
		"name": name,
		"type": type_,
		"multiValued": multi,
		"required": required,
		"caseExact": False,
		"mutability": "readWrite",
		"returned": "default",
		"uniqueness": uniqueness,
	}
	if sub:
		attr["subAttributes"] = sub
	return attr


def _multi(name):
	return _attr(
		name,
		"complex",
		multi=True,
		sub=[_attr("value"), _attr("type"), _attr("primary", "boolean")],
	)


SCHEMAS = {
	USER_SCHEMA: {
		"schemas": [SCHEMA_SCHEMA],
		"id": USER_SCHEMA,
		"name": "User",
		"description": "A client company's person (a helpdesk Contact)",
		"attributes": [
			_attr("userName", required=True, uniqueness="server"),
			_attr("name", "complex", sub=[_attr("givenName"), _attr("familyName"), _attr("formatted")]),
			_attr("displayName"),
			_attr("title"),
			_attr("active", "boolean"),
			_multi("emails"),
			_multi("phoneNumbers"),
		],
		"meta": {"resourceType": "Schema"},
	},
	ENTERPRISE: {
		"schemas": [SCHEMA_SCHEMA],
		"id": ENTERPRISE,
		"name": "EnterpriseUser",
		"description": "Enterprise User: the department",
		"attributes": [_attr("department")],
		"meta": {"resourceType": "Schema"},
	},
}


def service_provider_config(rest, base):
	return {
		"schemas": [SPC_SCHEMA],
		"documentationUri": "https://github.com/xnet-kz/xnet_helpdesk/blob/main/docs/api.md#scim-20",
		"patch": {"supported": True},
		"bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
		"filter": {"supported": True, "maxResults": 1000},
		"changePassword": {"supported": False},
		"sort": {"supported": False},
		"etag": {"supported": False},
		"authenticationSchemes": [
			{
				"type": "oauthbearertoken",
				"name": "Bearer token",
				"description": "The token generated on the Directory Source (Generate SCIM Token)",
				"primary": True,
			}
		],
		"meta": {"resourceType": "ServiceProviderConfig", "location": base + "/ServiceProviderConfig"},
	}


def _user_type(base):
	return {
		"schemas": [RT_SCHEMA],
		"id": "User",
		"name": "User",
		"endpoint": "/Users",
		"schema": USER_SCHEMA,
		"schemaExtensions": [{"schema": ENTERPRISE, "required": False}],
		"meta": {"resourceType": "ResourceType", "location": base + "/ResourceTypes/User"},
	}


def resource_types(rest, base):
	if rest:
		if rest == ["User"]:
			return _user_type(base)
		raise ScimError(404, "Unknown resource type")
	return _listing([_user_type(base)])


def schemas(rest, base):
	if rest:
		if len(rest) == 1 and rest[0] in SCHEMAS:
			return SCHEMAS[rest[0]]
		raise ScimError(404, "Unknown schema")
	return _listing(list(SCHEMAS.values()))


def _listing(items):
	return {
		"schemas": [LIST_SCHEMA],
		"totalResults": len(items),
		"startIndex": 1,
		"itemsPerPage": len(items),
		"Resources": items,
	}


ENDPOINTS = {
	"ServiceProviderConfig": service_provider_config,
	"ResourceTypes": resource_types,
	"Schemas": schemas,
}
