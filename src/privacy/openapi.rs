//! The OpenAPI description of the privacy routes (a contact's data export), merged into
//! `/api/v1/openapi.json` by `http::openapi`. The schemas are strict (no unknown fields) so
//! the conformance test notices when the export grows without its description.

use serde_json::{Value, json};

fn error(description: &str) -> Value {
    json!({"description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

pub fn paths() -> Value {
    json!({
        "/api/v1/contacts/{id}/export": {"get": {
            "summary": "Everything the account holds about a contact (GDPR right of access), as a JSON download: profile, sightings, chat consents, tickets with messages, internal notes, history and attachment descriptions (owners and admins, admin scope; audited as contact.exported)",
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
            "responses": {
                "200": {"description": "The export, with `Content-Disposition: attachment; filename=\"contact-<id>-export.json\"`",
                    "content": {"application/json": {"schema": reference("ContactExport")}}},
                "401": error("No or wrong credentials"),
                "403": error("Not an owner or admin, or the credential lacks the admin scope"),
                "404": error("No such contact")}
        }}
    })
}

pub fn schemas() -> Value {
    let time = json!({"type": "string", "format": "date-time"});
    let author = json!({"type": "object", "required": ["type", "name"], "additionalProperties": false, "properties": {
        "type": {"enum": ["contact", "agent", "deleted_agent", "system"]}, "name": {"type": "string"}}});
    json!({
        "ContactExport": {"type": "object", "additionalProperties": false,
            "required": ["format", "exported_at", "audience", "contact", "sightings", "consents", "tickets"],
            "properties": {
                "format": {"const": "helpdeskd-contact-export/1"},
                "exported_at": time,
                "audience": {"enum": ["staff", "subject"], "description": "`subject` (the person's own download) leaves out internal notes and ticket history"},
                "contact": reference("Contact"),
                "sightings": {"type": "array", "items": {"type": "object", "additionalProperties": false,
                    "required": ["kind", "value", "first_seen", "last_seen"], "properties": {
                        "kind": {"enum": ["ip", "visitor"]}, "value": {"type": "string"},
                        "first_seen": time, "last_seen": time}}},
                "consents": {"type": "array", "items": {"type": "object", "additionalProperties": false,
                    "required": ["chat_id", "locale", "version", "text", "given_at", "ip"], "properties": {
                        "chat_id": {"type": ["integer", "null"]}, "locale": {"type": "string"},
                        "version": {"type": "integer"}, "text": {"type": ["string", "null"]},
                        "given_at": time, "ip": {"type": "string"}}}},
                "tickets": {"type": "array", "items": reference("ExportedTicket")}}},
        "ExportedTicket": {"type": "object", "additionalProperties": false,
            "required": ["id", "code", "subject", "channel", "status", "created_at", "updated_at", "messages", "attachments"],
            "properties": {
                "id": {"type": "integer"}, "code": {"type": "string"}, "subject": {"type": "string"},
                "channel": {"enum": ["email", "chat", "web", "api", "phone"]},
                "status": {"enum": ["new", "open", "pending", "resolved", "spam", "trash"]},
                "created_at": time, "updated_at": time,
                "messages": {"type": "array", "items": {"type": "object", "additionalProperties": false,
                    "required": ["id", "type", "author", "created_at", "body", "html", "attachments"], "properties": {
                        "id": {"type": "integer"}, "type": {"enum": ["customer", "reply", "note"]},
                        "author": author, "created_at": time, "body": {"type": "string"}, "html": {"type": "boolean"},
                        "attachments": {"type": "array", "items": reference("ExportedAttachment")}}}},
                "attachments": {"type": "array", "items": reference("ExportedAttachment")},
                "history": {"type": "array", "items": {"type": "object", "additionalProperties": false,
                    "required": ["at", "actor", "field", "from", "to"], "properties": {
                        "at": time, "actor": author, "field": {"type": "string"},
                        "from": {"type": ["string", "null"]}, "to": {"type": ["string", "null"]}}}}}},
        "ExportedAttachment": {"type": "object", "additionalProperties": false,
            "required": ["id", "filename", "content_type", "size", "sha256", "created_at"],
            "description": "A file's description; the bytes are not in the export",
            "properties": {
                "id": {"type": "integer"}, "filename": {"type": "string"}, "content_type": {"type": "string"},
                "size": {"type": "integer", "minimum": 0}, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                "created_at": time}}
    })
}
