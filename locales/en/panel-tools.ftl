# Agent panel tools: API tokens and the audit log. Keep ids stable: other languages
# translate by id.

## API tokens (/agent/tokens)
tokens-title = API tokens
tokens-intro = A token lets a script or an integration use the API as you. Send it in the header Authorization: Bearer followed by the token.
tokens-yours = Your tokens
tokens-none = You have no tokens.
tokens-col-name = Name
tokens-col-scopes = Scopes
tokens-col-created = Created
tokens-col-expires = Expires
tokens-col-last-used = Last used
tokens-col-actions = Actions
tokens-never-expires = never
tokens-never-used = never
tokens-expired = expired
tokens-revoke = Revoke
tokens-revoke-label = Revoke { $name }
tokens-create = Create a token
tokens-field-name = Name
tokens-name-placeholder = Nightly export script
tokens-field-scopes = Scopes
tokens-scope-read = Read: read tickets, people and settings
tokens-scope-write = Write: change what the user may change
tokens-scope-admin = Admin: manage people and security settings
tokens-field-expiry = Expires after (days)
tokens-expiry-hint = 1 to 3650 days. Leave empty for a token that does not expire.
tokens-create-submit = Create token
tokens-created = Token “{ $name }” created.
tokens-copy-now = Copy it now: it will not be shown again.
tokens-new-token-label = The new token
tokens-revoked = Token “{ $name }” revoked. It no longer works.
tokens-not-found = That token does not exist or was already revoked.
tokens-error-name = The name must be 1 to 100 characters.
tokens-error-expiry = The expiry must be a whole number of days from 1 to 3650, or empty.
tokens-error-no-scope = Choose at least one scope.
tokens-error-scope = That scope cannot be granted.
tokens-error-admin = Only owners and admins may create tokens with the admin scope.

## Audit log (/agent/audit)
audit-title = Audit log
audit-intro = Who did what in this account, newest first. Entries cannot be changed.
audit-filter = Filter
audit-field-action = Action
audit-action-hint = An action such as token.created, or a family such as login or 2fa.
audit-field-actor = Actor (email, cli or system)
audit-field-from = From
audit-field-to = To
audit-filter-submit = Show
audit-filter-clear = Show all
audit-download-csv = Download as CSV
audit-col-time = Time
audit-col-actor = Actor
audit-col-action = Action
audit-col-target = Target
audit-col-ip = IP address
audit-col-detail = Detail
audit-none = No entries.
audit-none-filtered = No entries match this filter.
audit-older = Older entries
audit-newest = Newest entries
audit-showing-action = Showing only { $action }.
tokens-field-skip-spam-check = Tickets created with this token skip the spam filter (for a trusted integration)
tokens-spam-check-off = skips the spam filter
