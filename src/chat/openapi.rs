//! The OpenAPI description of the chat's moderation and agent-tool routes (bans, canned
//! responses), merged
//! into `/api/v1/openapi.json` by `http::openapi`. The integration test
//! `openapi_conformance` calls them and checks the answers against these schemas.

use serde_json::{Value, json};

fn error(description: &str) -> Value {
    json!({"description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn ok(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn id_param() -> Value {
    json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}})
}

pub fn paths() -> Value {
    json!({
        "/api/v1/chat/bans": {
            "get": {"summary": "Chat bans in force: addresses, networks and visitor ids refused a chat",
                "responses": {"200": ok("The bans, newest first", json!({"type": "object", "required": ["bans"],
                    "additionalProperties": false,
                    "properties": {"bans": {"type": "array", "items": reference("ChatBan")}}}))}},
            "post": {"summary": "Ban an address, a CIDR network or a visitor id from starting or resuming chats (agents and up, write scope; audited)",
                "requestBody": {"required": true, "content": {"application/json": {"schema": reference("NewChatBan")}}},
                "responses": {"201": ok("The ban", reference("ChatBan")),
                    "403": error("The credential lacks the write scope"),
                    "409": error("The value is already banned"),
                    "422": error("Invalid kind, value, reason or expiry")}}
        },
        "/api/v1/chat/bans/{id}": {"delete": {
            "summary": "Lift a ban (agents and up, write scope; audited)",
            "parameters": [id_param()],
            "responses": {"204": {"description": "Lifted"}, "403": error("The credential lacks the write scope"),
                "404": error("No such ban")}
        }},
        "/api/v1/canned-responses": {
            "get": {"summary": "The canned responses the caller may use (an agent restricted to departments: the shared ones and their departments')",
                "responses": {"200": ok("By title", json!({"type": "object", "required": ["canned_responses"],
                    "additionalProperties": false,
                    "properties": {"canned_responses": {"type": "array", "items": reference("CannedResponse")}}}))}},
            "post": {"summary": "Add a canned response (admins; audited)",
                "requestBody": {"required": true, "content": {"application/json": {"schema": reference("NewCannedResponse")}}},
                "responses": {"201": ok("The response", reference("CannedResponse")), "403": error("Not an admin"),
                    "409": error("The shortcut is taken"), "422": error("Invalid field or unknown department")}}
        },
        "/api/v1/canned-responses/{id}": {
            "patch": {"summary": "Change a canned response; absent fields stay, null clears shortcut or department (admins; audited)",
                "parameters": [id_param()],
                "requestBody": {"required": true, "content": {"application/json": {"schema": reference("CannedResponsePatch")}}},
                "responses": {"200": ok("The response", reference("CannedResponse")), "403": error("Not an admin"),
                    "404": error("No such canned response"), "409": error("The shortcut is taken"),
                    "422": error("Invalid field or unknown department")}},
            "delete": {"summary": "Delete a canned response (admins; audited)",
                "parameters": [id_param()],
                "responses": {"204": {"description": "Deleted"}, "403": error("Not an admin"),
                    "404": error("No such canned response")}}
        }
    })
}

pub fn schemas() -> Value {
    let time = json!({"type": "string", "format": "date-time"});
    json!({
        "ChatBan": {"type": "object", "additionalProperties": false,
            "required": ["id", "kind", "value", "reason", "created_by", "created_at", "expires_at"],
            "properties": {
                "id": {"type": "integer"},
                "kind": {"enum": ["ip", "visitor"]},
                "value": {"type": "string", "description": "ip: an address or CIDR network in canonical form (203.0.113.9, 203.0.113.0/24, 2001:db8::/32); visitor: the widget's visitor id"},
                "reason": {"type": "string"},
                "created_by": {"type": ["integer", "null"], "description": "the user who banned (null once deleted)"},
                "created_at": time,
                "expires_at": {"type": ["string", "null"], "format": "date-time", "description": "null: permanent"}}},
        "NewChatBan": {"type": "object", "additionalProperties": false, "required": ["kind", "value"],
            "properties": {
                "kind": {"enum": ["ip", "visitor"]},
                "value": {"type": "string", "description": "ip: an IPv4/IPv6 address or CIDR network (host bits zero, at most /8 or /16 wide); visitor: 1-64 of A-Z a-z 0-9 _ -"},
                "reason": {"type": "string", "maxLength": 500},
                "expires_at": {"type": "string", "format": "date-time", "description": "RFC 3339, in the future; or give days"},
                "days": {"type": "integer", "minimum": 1, "maximum": 3650, "description": "the ban ends this many days from now; neither this nor expires_at: permanent"}}},
        "CannedResponse": {"type": "object", "additionalProperties": false,
            "required": ["id", "title", "body", "shortcut", "department_id", "created_by", "updated_at"],
            "properties": {
                "id": {"type": "integer"}, "title": {"type": "string"},
                "body": {"type": "string", "description": "plain text"},
                "shortcut": {"type": ["string", "null"], "description": "/name, lower case"},
                "department_id": {"type": ["integer", "null"], "description": "null: for everyone"},
                "created_by": {"type": ["integer", "null"]}, "updated_at": time}},
        "NewCannedResponse": {"type": "object", "additionalProperties": false, "required": ["title", "body"],
            "properties": {
                "title": {"type": "string", "minLength": 1, "maxLength": 200},
                "body": {"type": "string", "minLength": 1, "maxLength": 4000},
                "shortcut": {"type": ["string", "null"], "description": "a slash and 1-32 of a-z 0-9 _ -, like /refund"},
                "department_id": {"type": ["integer", "null"]}}},
        "CannedResponsePatch": {"type": "object", "additionalProperties": false,
            "properties": {
                "title": {"type": "string", "minLength": 1, "maxLength": 200},
                "body": {"type": "string", "minLength": 1, "maxLength": 4000},
                "shortcut": {"type": ["string", "null"]},
                "department_id": {"type": ["integer", "null"]}}}
    })
}
