# The agent panel. Keep ids stable: other languages translate by id.

## Shared
form-expired = This form expired or came from elsewhere. Please try again.
back-to-profile = Back to your profile

## Sign in
login-page-title = Sign in
login-title = Sign in to { $account }
field-email = Email
field-password = Password
login-submit = Sign in
login-with-key = Sign in with a security key instead
login-wrong = Wrong email or password.
login-throttled = Too many failed attempts. Try again in { $seconds } s.

## The second step of signing in
second-step-title = Two-step verification
second-step-signing-in-as = Signing in as { $email }.
second-step-code-label = Code from your authenticator app, or a recovery code
second-step-verify = Verify
second-step-use-key = Use a security key
second-step-start-over = Start over
second-step-wrong-code = That code is wrong, expired or already used.

## Refused by the account's network allowlist
blocked-title = Not available from here
blocked-text = The agent panel of { $account } cannot be reached from your address, { $ip }.
blocked-hint = Ask the account owner to allow your network, or connect through an allowed one.

## Navigation
nav-profile = Profile
nav-tokens = API tokens
nav-agents = Agents
nav-security = Security
nav-audit = Audit log

## Profile
profile-two-step = Two-step verification
profile-two-step-link = Authenticator app, recovery codes and security keys
profile-sessions = Sessions
profile-session-line = { $ip } · { $agent } · last seen { $seen }
profile-this-session = this session
profile-end-others = Log out other sessions
profile-change-password = Change password
field-current-password = Current password
field-new-password = New password
profile-change-password-submit = Change password
profile-sign-out = Sign out
profile-password-changed = Password changed. Your other sessions were logged out.
profile-current-wrong = The current password is wrong.
profile-new-weak = The new password { $why }.

## Two-step verification settings
twostep-title = Two-step verification
twostep-must-enrol = This account requires two-step verification. Set up an authenticator app or a security key to continue.
twostep-app = Authenticator app
twostep-app-on = On. { $left } unused recovery codes left.
twostep-current-code = Current code
twostep-new-codes = Get new recovery codes
twostep-code-or-recovery = Current code or a recovery code
twostep-turn-off = Turn off the authenticator app
twostep-app-off = Off. Use Google Authenticator, Aegis, 1Password or any other authenticator app.
twostep-set-up = Set up an authenticator app
twostep-app-turned-off = The authenticator app is off.
twostep-wrong-code = The code is wrong, expired or already used.
twostep-required = This account requires two-step verification: add another security key or keep the app.
twostep-not-enabled = The authenticator app is not on.
twostep-keys = Security keys and passkeys
twostep-keys-intro = A security key (such as a YubiKey) or a passkey on this device can stand in for the code, or sign you in without a password.
twostep-keys-none = None yet.
twostep-key-added = added { $when }
twostep-key-used = last used { $when }
twostep-key-remove = Remove
twostep-key-name = Name of the new key
twostep-key-placeholder = YubiKey on my keyring
twostep-add-key = Add a security key
enrol-title = Set up your authenticator app
enrol-scan = Scan this QR code with your authenticator app.
enrol-type = Or type this key in by hand:
enrol-enter = Enter the 6-digit code the app shows.
enrol-qr-label = QR code for your authenticator app
enrol-code = Code
enrol-turn-on = Turn on
enrol-wrong = That code is wrong or expired. Try the next one.
recovery-title = Your recovery codes
recovery-on = Two-step verification is on.
recovery-explain = Each code signs you in once if you lose your phone. Keep them somewhere safe: they are shown only now.
recovery-saved = I have saved them

## Roles
role-owner = Owner
role-admin = Admin
role-agent = Agent

## Agents
agents-title = Agents
agents-name = Name
agents-email = Email
agents-role = Role
agents-two-step = Two-step
agents-actions = Actions
agents-on = on
agents-off = off
agents-change-role = Change role
agents-confirm = Sure
agents-confirm-needed = Tick "Sure" to delete someone.
agents-delete = Delete
agents-reset-two-step = Reset two-step verification
agents-invitations = Invitations
agents-no-invitations = No open invitations.
agents-expires = expires { $when }
agents-revoke = Revoke
agents-invite = Invite someone
agents-send-invitation = Create invitation link
agents-invited = Invitation for { $email } created. Send them this link; it works once, for seven days:
agents-role-changed = { $name } has a new role. Their sessions were ended.
agents-deleted = { $name } was deleted: profile, password, sessions and tokens are gone.
agents-two-step-reset = Two-step verification of { $name } was reset; their sessions were ended.
agents-invitation-revoked = The invitation was revoked; its link no longer works.

## Accepting an invitation
invite-title = Join { $account }
invite-as = You were invited as { $email } ({ $role }).
invite-password-hint = At least 12 characters; common passwords are refused.
invite-join = Join
invite-invalid-title = This invitation does not work
invite-invalid = The link is wrong, was already used, was revoked or has expired. Ask for a new invitation.

## Account security
security-title = Security
security-two-step = Two-step verification
security-require-two-step = Require two-step verification of everyone in this account
security-require-hint = People without it are asked to set it up at their next page view, and can no longer use the API with their password (API tokens keep working).
security-save = Save
security-two-step-required = Two-step verification is now required of everyone.
security-two-step-optional = Two-step verification is now optional.
security-networks = Allowed networks
security-networks-intro = One address or network per line (IPv4 or IPv6, e.g. 192.0.2.0/24). An empty list allows every address. Refused addresses are turned away before anyone signs in.
security-your-address = Your address now: { $ip }. A list that would exclude it is refused.
security-panel-networks = Agent panel
security-api-networks = API
security-everywhere = from everywhere
security-owner-only = Only the account owner changes these lists.
security-networks-saved = The allowed networks were saved.
security-lockouts = Locked sign-ins
security-no-lockouts = No email is locked right now.
security-locked-for = { $failures } failed attempts, locked for { $minutes } more min
security-would-lock-out = Not saved: your address { $ip } is not in the new { $list } list, so the change would lock you out. Add it, or a network that contains it, first.
security-invalid-network = Not saved: “{ $entry }” is not an IP address or network (e.g. 192.0.2.0/24 or 2001:db8::/32).
security-list-panel = agent panel
security-list-api = API
error-page-home = Back to the start page
