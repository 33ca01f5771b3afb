//! The OpenAPI description of the helpdesk routes: tickets, contacts, departments. Kept
//! next to `openapi.rs`, which merges these paths and schemas into the document. The
//! integration test `openapi_conformance` checks real responses against these schemas.

use serde_json::{Value, json};

fn error(description: &str) -> Value {
    json!({"description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn body(schema: &str) -> Value {
    json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}})
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

fn idempotency_param() -> Value {
    json!({"name": "Idempotency-Key", "in": "header", "required": false, "schema": {"type": "string", "maxLength": 255},
        "description": "a retry with the same key and body returns the first answer; with another body, 422"})
}

pub fn paths() -> Value {
    let list_params = json!([
        {"name": "status", "in": "query", "schema": {"type": "string"}, "description": "comma-separated: new, open, pending, resolved, spam, trash"},
        {"name": "assignee", "in": "query", "schema": {"type": "string"}, "description": "a user id, `me` or `none`"},
        {"name": "department", "in": "query", "schema": {"type": "integer"}},
        {"name": "tag", "in": "query", "schema": {"type": "string"}},
        {"name": "contact", "in": "query", "schema": {"type": "integer"}},
        {"name": "updated_since", "in": "query", "schema": {"type": "string"}, "description": "RFC 3339 time or date"},
        {"name": "cursor", "in": "query", "schema": {"type": "string"}, "description": "`next` of the previous page"},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 25}}
    ]);
    json!({
        "/api/v1/tickets": {
            "get": {"summary": "Tickets, most recently changed first", "parameters": list_params,
                "responses": {"200": ok("A page", reference("TicketPage")), "400": error("A bad filter or cursor")}},
            "post": {"summary": "Create a ticket (the contact is found or made by email)",
                "parameters": [idempotency_param()], "requestBody": body("NewTicket"),
                "responses": {"201": ok("Created", reference("Ticket")), "400": error("Not JSON"),
                    "415": error("Not application/json"), "422": error("A field is missing or invalid, or the key was reused")}}
        },
        "/api/v1/tickets/{id}": {
            "get": {"summary": "A ticket with its messages and history", "parameters": [id_param()],
                "responses": {"200": ok("The ticket", reference("Ticket")), "404": error("No such ticket here")}},
            "patch": {"summary": "Change fields; each change is recorded with who and when", "parameters": [id_param()],
                "requestBody": body("TicketPatch"),
                "responses": {"200": ok("The ticket", reference("Ticket")), "404": error("No such ticket here"), "422": error("Invalid field")}},
            "delete": {"summary": "Move the ticket to the trash (a status; PATCH restores it)", "parameters": [id_param()],
                "responses": {"200": ok("The ticket", reference("Ticket")), "404": error("No such ticket here")}}
        },
        "/api/v1/tickets/{id}/messages": {"post": {
            "summary": "Add a reply (to the customer) or an internal note", "parameters": [id_param(), idempotency_param()],
            "requestBody": body("NewMessage"),
            "responses": {"201": ok("The message", reference("Message")), "404": error("No such ticket here"), "422": error("Invalid field")}
        }},
        "/api/v1/tickets/{id}/spam": {"post": {
            "summary": "Mark as spam: the ticket moves to the quarantine (status spam) and the filter learns it",
            "description": "Marking a ticket that was marked not-spam moves the mark: what it taught is unlearned exactly.",
            "parameters": [id_param()],
            "responses": {"200": ok("The ticket", reference("Ticket")), "404": error("No such ticket here")}
        }},
        "/api/v1/tickets/{id}/not-spam": {"post": {
            "summary": "Mark as not spam: a quarantined ticket moves to open and the filter learns it as ham",
            "description": "Undoes a spam mark: what it taught is unlearned exactly.",
            "parameters": [id_param()],
            "responses": {"200": ok("The ticket", reference("Ticket")), "404": error("No such ticket here")}
        }},
        "/api/v1/spam": {
            "get": {"summary": "The spam filter's settings and figures",
                "responses": {"200": ok("Settings and figures", reference("SpamOverview"))}},
            "patch": {"summary": "Change the cut-offs (null: built-in defaults) or whether resolved tickets are learned as ham (admins)",
                "requestBody": body("SpamChange"),
                "responses": {"200": ok("Settings and figures", reference("SpamOverview")), "403": error("Not an admin"), "422": error("Invalid cut-offs")}}
        },
        "/api/v1/chat/settings": {
            "get": {"summary": "The live chat's settings: embedding origins, consent, look (admins)",
                "responses": {"200": ok("The settings", reference("ChatSettings")), "403": error("Not an admin")}},
            "put": {"summary": "Change the chat settings; absent fields stay, a changed consent text becomes that language's next version (admins)",
                "requestBody": body("ChatSettingsPatch"),
                "responses": {"200": ok("The settings", reference("ChatSettings")), "403": error("Not an admin"), "422": error("Invalid field")}}
        },
        "/api/v1/chat/agents": {"get": {
            "summary": "The agents for chat routing: presence (offline unless a console is open), own limit, the limit that applies, chats answered now (admins)",
            "responses": {"200": ok("The agents", json!({"type": "object", "required": ["agents"], "properties": {
                "agents": {"type": "array", "items": reference("ChatAgent")}}})), "403": error("Not an admin")}
        }},
        "/api/v1/chat/agents/{id}": {"patch": {
            "summary": "Give an agent their own concurrent-chat limit (null: the account's agent_limit; 0: no chats offered) (admins)",
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
            "requestBody": body("ChatAgentPatch"),
            "responses": {"200": ok("The agent", reference("ChatAgent")), "403": error("Not an admin"),
                "404": error("No such user"), "422": error("Invalid limit")}
        }},
        "/api/v1/chat/consents": {"get": {
            "summary": "A contact's chat consent records: which text version, when, from which address (admins)",
            "parameters": [{"name": "contact_id", "in": "query", "required": true, "schema": {"type": "integer"}}],
            "responses": {"200": ok("The records", json!({"type": "object", "required": ["consents"], "properties": {
                "consents": {"type": "array", "items": reference("ConsentRecord")}}})),
                "400": error("No contact_id"), "403": error("Not an admin")}
        }},
        "/api/v1/contacts": {
            "get": {"summary": "Contacts, newest first",
                "parameters": [{"name": "email", "in": "query", "schema": {"type": "string"}},
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}],
                "responses": {"200": ok("A page", reference("ContactPage"))}},
            "post": {"summary": "Create a contact", "requestBody": body("NewContact"),
                "responses": {"201": ok("Created", reference("Contact")), "409": error("An email belongs to another contact"), "422": error("Invalid field")}}
        },
        "/api/v1/contacts/{id}": {
            "get": {"summary": "A contact", "parameters": [id_param()],
                "responses": {"200": ok("The contact", reference("Contact")), "404": error("No such contact")}},
            "patch": {"summary": "Change a contact (lists are replaced)", "parameters": [id_param()], "requestBody": body("NewContact"),
                "responses": {"200": ok("The contact", reference("Contact")), "404": error("No such contact"), "409": error("Email taken")}},
            "delete": {"summary": "Erasing a person is done by the privacy tools; until they exist: 501, nothing deleted",
                "parameters": [id_param()], "responses": {"501": error("Not implemented yet"), "404": error("No such contact")}}
        },
        "/api/v1/contacts/{id}/merge": {"post": {
            "summary": "Merge this contact into another", "parameters": [id_param()],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["into"], "additionalProperties": false, "properties": {"into": {"type": "integer"}}}}}},
            "responses": {"200": ok("The merged contact", reference("Contact")), "404": error("No such contact")}
        }},
        "/api/v1/departments": {
            "get": {"summary": "Departments with their members", "responses": {"200": ok("Departments",
                json!({"type": "object", "required": ["departments"], "properties": {"departments": {"type": "array", "items": reference("Department")}}}))}},
            "post": {"summary": "Create a department (owner and admins)",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}}},
                "responses": {"201": ok("Created", reference("Department")), "409": error("Name taken")}}
        },
        "/api/v1/departments/{id}/members": {"put": {
            "summary": "Replace a department's members (owner and admins)", "parameters": [id_param()],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["user_ids"], "properties": {"user_ids": {"type": "array", "items": {"type": "integer"}}}}}}},
            "responses": {"200": ok("The department", reference("Department")), "404": error("No such department")}
        }},
        "/api/v1/settings/departments": {
            "get": {"summary": "Whether agents see only their departments' tickets", "responses": {"200": ok("Setting", reference("DepartmentSetting"))}},
            "put": {"summary": "Restrict agents to their departments, or not (owner and admins)", "requestBody": body("DepartmentSetting"),
                "responses": {"200": ok("Setting", reference("DepartmentSetting"))}}
        }
    })
}

pub fn schemas() -> Value {
    let time = json!({"type": "string", "format": "date-time"});
    let named = json!({"type": "object", "required": ["id", "name"], "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}});
    let author = json!({"type": "object", "required": ["type", "name"], "properties": {
        "type": {"enum": ["contact", "agent", "deleted_agent", "system"]}, "id": {"type": ["integer", "null"]}, "name": {"type": "string"}}});
    json!({
        "ContactRef": {"type": "object", "required": ["id", "name", "email"], "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "email": {"type": ["string", "null"]}}},
        "Message": {"type": "object", "required": ["id", "type", "author", "body", "html", "created_at"], "properties": {
            "id": {"type": "integer"}, "type": {"enum": ["customer", "reply", "note"]}, "author": author,
            "body": {"type": "string"}, "html": {"type": "boolean"}, "created_at": time}},
        "Event": {"type": "object", "required": ["at", "actor", "field"], "properties": {
            "at": time, "actor": author, "field": {"type": "string"},
            "from": {"type": ["string", "null"]}, "to": {"type": ["string", "null"]}}},
        "Ticket": {"type": "object",
            "required": ["id", "code", "subject", "status", "priority", "channel", "contact", "department", "assignee", "tags", "custom", "created_at", "updated_at"],
            "properties": {
                "id": {"type": "integer"}, "code": {"type": "string", "pattern": "^[A-Z0-9]{1,6}-[0-9A-Z]{5}$"},
                "subject": {"type": "string"},
                "status": {"enum": ["new", "open", "pending", "resolved", "spam", "trash"]},
                "priority": {"enum": ["low", "normal", "high", "urgent"]},
                "channel": {"enum": ["email", "chat", "web", "api", "phone"]},
                "contact": {"$ref": "#/components/schemas/ContactRef"},
                "department": {"oneOf": [named.clone(), {"type": "null"}]},
                "assignee": {"oneOf": [named, {"type": "null"}]},
                "tags": {"type": "array", "items": {"type": "string"}},
                "custom": {"type": "object"},
                "created_at": time, "updated_at": time,
                "spam_check": {"description": "what the spam filter said when the ticket arrived; null when not judged",
                    "oneOf": [{"type": "null"}, {"type": "object", "required": ["verdict", "score"], "additionalProperties": false, "properties": {
                        "verdict": {"enum": ["ham", "unsure", "spam"]}, "score": {"type": "number", "minimum": 0, "maximum": 1}}}]},
                "messages": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}},
                "history": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}}}},
        "ChatSettings": {"type": "object", "additionalProperties": false,
            "required": ["allowed_origins", "consent_required", "theme_color", "position", "greeting", "consent",
                "routing", "agent_limit", "offer_seconds"],
            "properties": {
                "allowed_origins": {"type": "array", "items": {"type": "string", "description": "scheme://host[:port]"}},
                "consent_required": {"type": "boolean"}, "theme_color": {"type": "string"},
                "position": {"enum": ["left", "right"]},
                "greeting": {"type": "object", "additionalProperties": {"type": "string"}},
                "consent": {"type": "object", "additionalProperties": {"type": "object", "required": ["version", "text"],
                    "properties": {"version": {"type": "integer"}, "text": {"type": "string"}}}},
                "routing": {"enum": ["least_busy", "round_robin"], "description": "how waiting chats are offered to available agents"},
                "agent_limit": {"type": "integer", "minimum": 1, "maximum": 100, "description": "chats an agent answers at once"},
                "offer_seconds": {"type": "integer", "minimum": 5, "maximum": 600, "description": "how long an offer waits before it moves on"}}},
        "ChatSettingsPatch": {"type": "object", "additionalProperties": false, "properties": {
            "allowed_origins": {"type": "array", "items": {"type": "string"}}, "consent_required": {"type": "boolean"},
            "theme_color": {"type": "string"}, "position": {"enum": ["left", "right"]},
            "greeting": {"type": "object", "additionalProperties": {"type": "string"}},
            "consent_texts": {"type": "object", "additionalProperties": {"type": "string"}, "description": "per language (en, de, cs, pt, lv)"},
            "routing": {"enum": ["least_busy", "round_robin"]},
            "agent_limit": {"type": "integer", "minimum": 1, "maximum": 100},
            "offer_seconds": {"type": "integer", "minimum": 5, "maximum": 600}}},
        "ChatAgent": {"type": "object", "additionalProperties": false,
            "required": ["id", "name", "presence", "max_chats", "limit", "active"], "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"},
                "presence": {"enum": ["online", "away", "offline"]},
                "max_chats": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
                "limit": {"type": "integer"}, "active": {"type": "integer"}}},
        "ChatAgentPatch": {"type": "object", "additionalProperties": false, "properties": {
            "max_chats": {"type": ["integer", "null"], "minimum": 0, "maximum": 100}}},
        "ConsentRecord": {"type": "object", "required": ["contact_id", "chat_id", "locale", "version", "text", "given_at", "ip"], "properties": {
            "contact_id": {"type": "integer"}, "chat_id": {"type": ["integer", "null"]}, "locale": {"type": "string"},
            "version": {"type": "integer"}, "text": {"type": "string"}, "given_at": time, "ip": {"type": "string"}}},
        "SpamOverview": {"type": "object", "additionalProperties": false,
            "required": ["ham_cutoff", "spam_cutoff", "custom_thresholds", "learn_resolved", "spam_learned", "ham_learned", "tokens", "judging", "min_learned", "recent"],
            "properties": {
                "ham_cutoff": {"type": "number"}, "spam_cutoff": {"type": "number"},
                "custom_thresholds": {"type": "boolean"}, "learn_resolved": {"type": "boolean"},
                "spam_learned": {"type": "integer"}, "ham_learned": {"type": "integer"}, "tokens": {"type": "integer"},
                "judging": {"type": "boolean", "description": "verdicts are given once min_learned messages of each class were learned"},
                "min_learned": {"type": "integer"},
                "recent": {"type": "object", "additionalProperties": false, "required": ["days", "judged", "agreed", "accuracy"], "properties": {
                    "days": {"type": "integer"}, "judged": {"type": "integer"}, "agreed": {"type": "integer"},
                    "accuracy": {"type": ["number", "null"]}}}}},
        "SpamChange": {"type": "object", "additionalProperties": false, "properties": {
            "thresholds": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["ham_cutoff", "spam_cutoff"], "additionalProperties": false,
                "properties": {"ham_cutoff": {"type": "number", "minimum": 0, "maximum": 1}, "spam_cutoff": {"type": "number", "minimum": 0, "maximum": 1}}}]},
            "learn_resolved": {"type": "boolean"}}},
        "TicketPage": {"type": "object", "required": ["tickets", "next"], "properties": {
            "tickets": {"type": "array", "items": {"$ref": "#/components/schemas/Ticket"}}, "next": {"type": ["string", "null"]}}},
        "NewTicket": {"type": "object", "required": ["subject", "message", "contact"], "additionalProperties": false, "properties": {
            "subject": {"type": "string", "minLength": 1, "maxLength": 500}, "message": {"type": "string", "minLength": 1},
            "contact": {"type": "object", "required": ["email"], "additionalProperties": false, "properties": {"email": {"type": "string"}, "name": {"type": "string"}}},
            "channel": {"enum": ["email", "chat", "web", "api", "phone"], "default": "api"},
            "priority": {"enum": ["low", "normal", "high", "urgent"]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "department_id": {"type": "integer"}, "assignee_id": {"type": "integer"}, "custom": {"type": "object"}}},
        "TicketPatch": {"type": "object", "additionalProperties": false, "properties": {
            "subject": {"type": "string"}, "status": {"enum": ["new", "open", "pending", "resolved", "spam", "trash"]},
            "priority": {"enum": ["low", "normal", "high", "urgent"]},
            "assignee_id": {"type": ["integer", "null"]}, "department_id": {"type": ["integer", "null"]},
            "tags": {"type": "array", "items": {"type": "string"}}, "custom": {"type": "object"}}},
        "NewMessage": {"type": "object", "required": ["type", "body"], "additionalProperties": false, "properties": {
            "type": {"enum": ["reply", "note"]}, "body": {"type": "string", "minLength": 1}}},
        "Contact": {"type": "object", "required": ["id", "name", "emails", "phones", "company", "address", "custom", "created_at", "updated_at"], "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"},
            "emails": {"type": "array", "items": {"type": "string"}}, "phones": {"type": "array", "items": {"type": "string"}},
            "company": {"type": "string"}, "address": {"type": "string"}, "custom": {"type": "object"},
            "created_at": time, "updated_at": time}},
        "ContactPage": {"type": "object", "required": ["contacts", "next"], "properties": {
            "contacts": {"type": "array", "items": {"$ref": "#/components/schemas/Contact"}}, "next": {"type": ["string", "null"]}}},
        "NewContact": {"type": "object", "additionalProperties": false, "properties": {
            "name": {"type": "string"}, "emails": {"type": "array", "items": {"type": "string"}},
            "phones": {"type": "array", "items": {"type": "string"}}, "company": {"type": "string"},
            "address": {"type": "string"}, "custom": {"type": "object"}}},
        "Department": {"type": "object", "required": ["id", "name", "members"], "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "members": {"type": "array", "items": {"type": "integer"}}}},
        "DepartmentSetting": {"type": "object", "required": ["restricted"], "additionalProperties": false, "properties": {"restricted": {"type": "boolean"}}}
    })
}
