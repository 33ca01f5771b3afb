//! `/api/v1/openapi.json`: the API's description, grown with each domain.

use axum::Json;
use serde_json::{Value, json};

pub async fn document() -> Json<Value> {
    Json(spec())
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

pub fn spec() -> Value {
    let mut spec = base();
    for more in [
        security_paths(),
        super::openapi_desk::paths(),
        attachment_paths(),
        crate::chat::openapi::paths(),
        crate::privacy::openapi::paths(),
    ] {
        if let (Some(paths), Value::Object(more)) = (spec["paths"].as_object_mut(), more) {
            paths.extend(more);
        }
    }
    for more in [
        super::openapi_desk::schemas(),
        crate::chat::openapi::schemas(),
        crate::privacy::openapi::schemas(),
    ] {
        if let (Some(schemas), Value::Object(more)) =
            (spec["components"]["schemas"].as_object_mut(), more)
        {
            schemas.extend(more);
        }
    }
    spec
}

fn code_body() -> Value {
    json!({"required": true, "content": {"application/json": {"schema": {"type": "object",
        "required": ["code"], "additionalProperties": false,
        "properties": {"code": {"type": "string", "description": "a current 6-digit code (or, to turn off, a recovery code)"}}}}}})
}

fn recovery_codes() -> Value {
    json!({"description": "Ten single-use recovery codes, shown only now",
        "content": {"application/json": {"schema": {"type": "object", "properties": {
            "recovery_codes": {"type": "array", "items": {"type": "string"}, "minItems": 10, "maxItems": 10}}}}}})
}

/// Two-step verification, allowlists and invitations.
fn security_paths() -> Value {
    json!({
        "/api/v1/me/2fa": {"get": {
            "summary": "The caller's second factors and whether the account requires one",
            "responses": {"200": {"description": "Status", "content": {"application/json": {"schema": {"type": "object", "properties": {
                "totp": {"type": "boolean"}, "recovery_codes_left": {"type": "integer"},
                "security_keys": {"type": "integer"}, "required": {"type": "boolean"}}}}}}}
        }},
        "/api/v1/me/2fa/totp": {"post": {
            "summary": "Start enrolling an authenticator app (RFC 6238, SHA-1, 6 digits, 30 s)",
            "responses": {"201": {"description": "The secret, otpauth URI and QR code (SVG) to scan",
                "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "secret": {"type": "string"}, "otpauth_uri": {"type": "string"}, "qr_svg": {"type": "string"}}}}}},
                "409": error_response("Already enabled")}
        }},
        "/api/v1/me/2fa/totp/confirm": {"post": {
            "summary": "Confirm enrolment with a first code; returns the recovery codes",
            "requestBody": code_body(),
            "responses": {"200": recovery_codes(), "409": error_response("No enrolment in progress"), "422": error_response("Wrong code")}
        }},
        "/api/v1/me/2fa/totp/disable": {"post": {
            "summary": "Turn off the authenticator app, proven with a current or recovery code",
            "requestBody": code_body(),
            "responses": {"204": {"description": "Off"}, "409": error_response("Not enabled, or required by the account with no other factor"), "422": error_response("Wrong code")}
        }},
        "/api/v1/me/2fa/recovery-codes": {"post": {
            "summary": "Replace the recovery codes, proven with a current code",
            "requestBody": code_body(),
            "responses": {"200": recovery_codes(), "422": error_response("Wrong code")}
        }},
        "/api/v1/users/{id}/2fa": {"delete": {
            "summary": "Reset a user's second factors and end their sessions (owner only)",
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
            "responses": {"204": {"description": "Reset"}, "403": error_response("Not the owner"), "404": error_response("No such user")}
        }},
        "/api/v1/security/two-factor": {
            "get": {"summary": "Whether 2FA is required of everyone (owner and admins)",
                "responses": {"200": {"description": "Setting", "content": {"application/json": {"schema": {"type": "object", "properties": {"required": {"type": "boolean"}}}}}}}},
            "put": {"summary": "Require 2FA of everyone, or not (owner and admins)",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["required"], "properties": {"required": {"type": "boolean"}}}}}},
                "responses": {"200": {"description": "Saved"}, "403": error_response("Agents may not")}}
        },
        "/api/v1/security/networks": {
            "get": {"summary": "IP allowlists of the panel and the API (owner only)",
                "responses": {"200": {"description": "Lists", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Networks"}}}}}},
            "put": {"summary": "Replace one or both lists (owner only); an empty list allows every address",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Networks"}}}},
                "responses": {"200": {"description": "Saved"}, "409": error_response("The list would exclude the caller's own address"), "422": error_response("Not a network")}}
        },
        "/api/v1/invitations": {
            "get": {"summary": "Open invitations (owner and admins)",
                "responses": {"200": {"description": "Invitations", "content": {"application/json": {"schema": {"type": "object", "properties": {"invitations": {"type": "array", "items": {"$ref": "#/components/schemas/Invitation"}}}}}}}}},
            "post": {"summary": "Invite someone; the answer holds the one-time link (valid seven days)",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["email", "name", "role"], "additionalProperties": false,
                    "properties": {"email": {"type": "string"}, "name": {"type": "string"}, "role": {"enum": ["admin", "agent"]}}}}}},
                "responses": {"201": {"description": "Invitation with its link", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Invitation"}}}},
                    "403": error_response("Role may not invite this role"), "409": error_response("Email already used"), "422": error_response("Invalid field")}}
        },
        "/api/v1/invitations/{id}": {"delete": {
            "summary": "Revoke an invitation; its link stops working",
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
            "responses": {"204": {"description": "Revoked"}, "404": error_response("No such invitation")}
        }}
    })
}

/// A file as the attachment routes describe it (never its bytes).
fn attachment_schema() -> Value {
    json!({"type": "object",
        "required": ["id", "ticket_id", "message_id", "filename", "content_type", "declared_type", "size", "sha256", "created_at", "uploaded_by", "url", "preview_url"],
        "properties": {
            "id": {"type": "integer"}, "ticket_id": {"type": "integer"},
            "message_id": {"type": ["integer", "null"]},
            "filename": {"type": "string", "maxLength": 255, "description": "sanitized: no path, no control characters, at most 255 bytes"},
            "content_type": {"type": "string", "description": "sniffed from the bytes; application/octet-stream when unknown"},
            "declared_type": {"type": "string", "description": "the uploader's Content-Type, informational only"},
            "size": {"type": "integer", "minimum": 1},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "created_at": {"type": "string", "format": "date-time"},
            "uploaded_by": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["type", "id"], "properties": {
                "type": {"enum": ["agent", "contact"]}, "id": {"type": "integer"}}}]},
            "url": {"type": "string", "description": "GET it to download"},
            "preview_url": {"type": ["string", "null"], "description": "only for PNG, JPEG, GIF and WebP"}}})
}

/// Attachments of tickets: upload, list, download, preview.
fn attachment_paths() -> Value {
    let id = json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]);
    let file_headers = json!({
        "Content-Disposition": {"schema": {"type": "string"}, "description": "attachment (preview: inline); filename=\"ASCII stand-in\"; filename*=UTF-8''… (RFC 6266, RFC 8187)"},
        "X-Content-Type-Options": {"schema": {"const": "nosniff"}},
        "Content-Security-Policy": {"schema": {"const": "sandbox; default-src 'none'"}},
        "Cache-Control": {"schema": {"const": "private, no-store"}}
    });
    json!({
        "/api/v1/tickets/{id}/attachments": {
            "parameters": id,
            "get": {"summary": "The ticket's attachments, oldest first",
                "responses": {"200": {"description": "Attachments", "content": {"application/json": {"schema": {"type": "object",
                    "required": ["attachments"], "properties": {"attachments": {"type": "array", "items": attachment_schema()}}}}}},
                    "404": error_response("No such ticket, or one the caller may not see")}},
            "post": {"summary": "Attach a file: the raw bytes are the body (at most attachments.max_bytes, default 25 MiB, within http.max_body_bytes); stored encrypted in the account's database",
                "parameters": [
                    {"name": "filename", "in": "query", "schema": {"type": "string"}, "description": "the file's name; else from a `Content-Disposition: attachment; filename=\"…\"` (or filename*=UTF-8''…) request header; else `attachment`"},
                    {"name": "message_id", "in": "query", "schema": {"type": "integer"}, "description": "a message of this ticket the file belongs to"},
                    {"name": "Content-Disposition", "in": "header", "schema": {"type": "string"}}
                ],
                "requestBody": {"required": true, "description": "the file; Content-Type is its declared type (kept, never trusted: the served type is sniffed)",
                    "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}},
                "responses": {"201": {"description": "Stored (durably, before this answer)",
                        "headers": {"Location": {"schema": {"type": "string"}}},
                        "content": {"application/json": {"schema": attachment_schema()}}},
                    "400": error_response("Unknown query parameter, or a body that could not be read"),
                    "404": error_response("No such ticket, or one the caller may not see"),
                    "413": error_response("Larger than the limit (named in the message); refused as soon as the count passes it"),
                    "422": error_response("Empty body, or message_id not of this ticket")}}
        },
        "/api/v1/attachments/{id}": {"parameters": id, "get": {
            "summary": "Download: streamed, Content-Type the sniffed type (HTML, XML, SVG and scripts as application/octet-stream), always as an attachment",
            "responses": {"200": {"description": "The file's bytes", "headers": file_headers,
                    "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}},
                "404": error_response("No such attachment, or one of a ticket the caller may not see")}
        }},
        "/api/v1/attachments/{id}/preview": {"parameters": id, "get": {
            "summary": "Inline preview, only of PNG, JPEG, GIF and WebP images (never SVG)",
            "responses": {"200": {"description": "The image, inline, with its sniffed type", "headers": file_headers,
                    "content": {"image/png": {}, "image/jpeg": {}, "image/gif": {}, "image/webp": {}}},
                "404": error_response("No such attachment, or one of a ticket the caller may not see"),
                "415": error_response("Not an image that may be shown inline")}
        }}
    })
}

fn base() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "helpdeskd API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "REST API of helpdeskd. Every error is {\"error\": {\"code\", \"message\"}}."
        },
        "security": [{"bearer": []}, {"basic": []}],
        "paths": {
            "/healthz": {"get": {
                "summary": "Liveness", "security": [],
                "responses": {"200": {"description": "The daemon answers",
                    "content": {"application/json": {"schema": {"type": "object",
                        "properties": {"status": {"const": "ok"}}}}}}}
            }},
            "/metrics": {"get": {
                "summary": "Prometheus metrics (loopback clients, or bearer metrics token)",
                "security": [{}, {"metricsToken": []}],
                "responses": {"200": {"description": "OpenMetrics text"}, "403": error_response("Not loopback and no valid token")}
            }},
            "/api/v1/account": {"get": {
                "summary": "The account this host name reaches",
                "responses": {"200": {"description": "The account",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Account"}}}},
                    "401": error_response("Missing or wrong credentials"),
                    "404": error_response("No account on this host name")}
            }},
            "/api/v1/me": {"get": {
                "summary": "The authenticated user",
                "responses": {"200": {"description": "The user",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}},
                    "401": error_response("Missing or wrong credentials"),
                    "429": error_response("Too many requests with this token; see Retry-After")}
            }},
            "/api/v1/audit": {"get": {
                "summary": "The account's audit log, newest first (owner and admins; tokens need the admin scope)",
                "parameters": [
                    {"name": "before", "in": "query", "schema": {"type": "integer"}, "description": "only entries with a smaller id"},
                    {"name": "action", "in": "query", "schema": {"type": "string"}, "description": "an action (user.created, token.revoked, login.failed…) or a family (login, 2fa, security)"},
                    {"name": "actor", "in": "query", "schema": {"type": "string"}, "description": "who did it: an email, cli or system (case-insensitive)"},
                    {"name": "since", "in": "query", "schema": {"type": "string"}, "description": "RFC 3339 time or date (UTC); entries at or after it"},
                    {"name": "until", "in": "query", "schema": {"type": "string"}, "description": "RFC 3339 time, or a date whose whole day is included"},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}},
                    {"name": "format", "in": "query", "schema": {"enum": ["json", "csv"]}}
                ],
                "responses": {"200": {"description": "Entries as JSON, or CSV with format=csv or Accept: text/csv",
                    "content": {"application/json": {"schema": {"type": "object", "properties": {"entries": {"type": "array",
                        "items": {"type": "object", "properties": {"id": {"type": "integer"}, "at": {"type": "string", "format": "date-time"},
                            "actor_id": {"type": ["integer", "null"]}, "actor": {"type": "string"}, "action": {"type": "string"},
                            "target": {"type": "string"}, "ip": {"type": "string"}, "detail": {"type": "string"}}}}}}},
                        "text/csv": {"schema": {"type": "string"}}}},
                    "403": error_response("Not an owner or admin, or token without admin scope")}
            }},
            "/api/v1/lockouts": {"get": {
                "summary": "Emails of this account locked after repeated failed logins (owner and admins)",
                "responses": {"200": {"description": "Current lockouts", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"lockouts": {"type": "array", "items": {"type": "object", "properties": {
                        "email": {"type": "string"}, "failures": {"type": "integer"},
                        "until": {"type": "string", "format": "date-time"}}}}}}}}},
                    "403": error_response("Not an owner or admin")}
            }},
            "/api/v1/users/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "patch": {
                    "summary": "Change a user's role (owner: admins and agents; admins: agents only; never the owner)",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["role"], "additionalProperties": false,
                        "properties": {"role": {"enum": ["admin", "agent"]}}}}}},
                    "responses": {"200": {"description": "The user", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}},
                        "403": error_response("Not allowed for the caller's role"), "404": error_response("No such user")}
                },
                "delete": {
                    "summary": "Delete a user: profile, password and API tokens go at once (never the owner, never yourself)",
                    "responses": {"204": {"description": "Deleted"},
                        "403": error_response("Not allowed for the caller's role"), "404": error_response("No such user")}
                }
            },
            "/api/v1/tokens": {
                "get": {
                    "summary": "The caller's API tokens (never the token text)",
                    "responses": {"200": {"description": "Tokens",
                        "content": {"application/json": {"schema": {"type": "object",
                            "properties": {"tokens": {"type": "array", "items": {"$ref": "#/components/schemas/Token"}}}}}}},
                        "401": error_response("Missing or wrong credentials")}
                },
                "post": {
                    "summary": "Create an API token; the token is in the answer once and never again",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewToken"}}}},
                    "responses": {"201": {"description": "Created",
                        "content": {"application/json": {"schema": {"allOf": [{"$ref": "#/components/schemas/Token"},
                            {"type": "object", "properties": {"token": {"type": "string", "pattern": "^hdk_[0-9a-f]{64}$"}}}]}}}},
                        "401": error_response("Missing or wrong credentials"),
                        "403": error_response("Scopes beyond the caller's, or admin scope for an agent"),
                        "422": error_response("Invalid field")}
                }
            },
            "/api/v1/tokens/{id}": {"delete": {
                "summary": "Revoke one of the caller's tokens",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "responses": {"204": {"description": "Revoked"}, "404": error_response("No such token")}
            }},
            "/api/v1/users": {
                "get": {
                    "summary": "Users of the account",
                    "responses": {"200": {"description": "All users",
                        "content": {"application/json": {"schema": {"type": "object",
                            "properties": {"users": {"type": "array", "items": {"$ref": "#/components/schemas/User"}}}}}}},
                        "401": error_response("Missing or wrong credentials")}
                },
                "post": {
                    "summary": "Add a user (owner and admins add agents; only the owner adds admins)",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewUser"}}}},
                    "responses": {"201": {"description": "Created",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}},
                        "401": error_response("Missing or wrong credentials"),
                        "403": error_response("Role may not add this role"),
                        "409": error_response("Email already used"),
                        "422": error_response("Invalid field")}
                }
            }
        },
        "components": {
            "securitySchemes": {
                "basic": {"type": "http", "scheme": "basic", "description": "email and password, or email and API token"},
                "bearer": {"type": "http", "scheme": "bearer", "description": "API token hdk_…; GET needs scope read, other methods write, managing people admin; each token is rate limited (api.token_requests_per_second, api.token_burst), answering 429 with Retry-After"},
                "metricsToken": {"type": "http", "scheme": "bearer"}
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                    "type": "object", "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
                "Account": {"type": "object", "properties": {
                    "slug": {"type": "string"}, "name": {"type": "string"},
                    "state": {"enum": ["trial", "active", "billing_failed", "suspended", "terminated", "deleted"]}}},
                "User": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "email": {"type": "string"}, "name": {"type": "string"},
                    "role": {"enum": ["owner", "admin", "agent"]}}},
                "Token": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"},
                    "scopes": {"type": "array", "items": {"enum": ["read", "write", "admin"]}},
                    "created_at": {"type": "string", "format": "date-time"},
                    "expires_at": {"type": ["string", "null"], "format": "date-time"},
                    "last_used_at": {"type": ["string", "null"], "format": "date-time"},
                    "spam_check": {"type": "boolean", "description": "tickets created with this token are judged by the spam filter"}}},
                "NewToken": {"type": "object", "required": ["name"], "additionalProperties": false, "properties": {
                    "name": {"type": "string"},
                    "scopes": {"type": "array", "items": {"enum": ["read", "write", "admin"]}, "default": ["read", "write"]},
                    "expires_in_days": {"type": "integer", "minimum": 1, "maximum": 3650},
                    "spam_check": {"type": "boolean", "default": true, "description": "false: tickets created with this token skip the spam filter (a trusted integration)"}}},
                "Networks": {"type": "object", "properties": {
                    "panel": {"type": "array", "items": {"type": "string", "description": "IPv4/IPv6 address or CIDR"}},
                    "api": {"type": "array", "items": {"type": "string"}}}},
                "Invitation": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "email": {"type": "string"}, "name": {"type": "string"},
                    "role": {"enum": ["admin", "agent"]}, "invited_by": {"type": "string"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "expires_at": {"type": "string", "format": "date-time"},
                    "link": {"type": "string", "description": "only in the answer to POST"}}},
                "NewUser": {"type": "object", "required": ["email", "name", "role", "password"],
                    "additionalProperties": false, "properties": {
                    "email": {"type": "string"}, "name": {"type": "string"},
                    "role": {"enum": ["admin", "agent"]},
                    "password": {"type": "string", "minLength": 12}}}
            }
        }
    })
}
