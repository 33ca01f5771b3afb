# The customer side: the public web form (/portal/new) and the customer portal (/portal).

portal-nav-label = Customer portal
portal-nav-requests = My requests
portal-nav-new = New request
portal-nav-profile = Profile
portal-sign-in = Sign in
portal-sign-out = Sign out

## Fields
portal-field-name = Your name
portal-field-email = Email
portal-field-subject = Subject
portal-field-message = Message
# The honeypot: hidden from sight, read out by screen readers.
portal-field-trap = Leave this field empty

## The web form
portal-new-title = Write to { $account }
portal-new-intro = Tell us what you need. We answer by email, and you can follow your request here.
portal-new-submit = Send
portal-invalid-email = Enter a valid email address.
portal-invalid-name = Your name can have at most 200 characters.
portal-invalid-subject = Enter a subject of at most 500 characters on one line.
portal-invalid-message = Write a message (at most 50,000 characters).
portal-invalid-fields = Some fields are not valid. Check them and send again.
portal-thanks-title = Thank you
portal-thanks-text = We received your request. Its reference:
portal-thanks-quote = Please quote it when you write to us about this request.
portal-thanks-follow = See your requests
portal-thanks-sign-in = Sign in to follow your requests

## Refusals
portal-forbidden-title = Form expired
portal-form-expired = This form has expired or was not sent from this site. Open it again and send it once more.
portal-too-many-title = Too many requests
portal-too-many = { $minutes ->
    [one] You have sent too many requests in a short time. Please try again in a minute.
   *[other] You have sent too many requests in a short time. Please try again in { $minutes } minutes.
}

## Signing in
portal-login-title = Sign in to { $account }
portal-login-intro = Enter the email address you wrote to us from. We send you a link to sign in; no password needed.
portal-login-submit = Send me a sign-in link
portal-login-sent-title = Check your email
portal-login-sent = If { $email } is known to us, a sign-in link is on its way. It works once, within 30 minutes.
portal-link-title = Sign in
portal-link-text = Press the button to sign in to { $account }.
portal-link-submit = Sign in
portal-link-invalid-title = This link does not work
portal-link-invalid = The sign-in link was already used, has expired or is incomplete.
portal-link-again = Ask for a new link
portal-link-mail-subject = Your sign-in link for { $account }
portal-link-mail-intro = Hello, you asked to sign in to { $account }. Open this link within 30 minutes to sign in; it works once:
portal-link-mail-outro = If you did not ask for it, ignore this email: nothing happens without the link.

## Requests
portal-requests-title = My requests
portal-requests-empty = You have no requests yet.
portal-col-subject = Subject
portal-col-status = Status
portal-col-updated = Last change
portal-status-new = Received
portal-status-open = Open
portal-status-pending = Waiting for your answer
portal-status-resolved = Resolved
portal-status-spam = Closed
portal-status-trash = Closed
portal-back = All my requests
portal-opened = opened { $when } (UTC)
portal-you = You
portal-reply-label = Your reply
portal-reply-submit = Send reply
portal-reply-empty = Write something before sending.
portal-reply-invalid = This reply cannot be sent; it may be too long.
portal-not-found-title = Request not found
portal-not-found = There is no such request among yours.

## Profile
portal-profile-title = Your profile
portal-profile-emails = Your email addresses
portal-profile-phones = Phone numbers
portal-profile-phones-hint = One number per line.
portal-profile-save = Save
portal-profile-saved = Saved.
portal-profile-invalid = A name or phone number is too long or contains control characters.
portal-profile-data = Your data
portal-profile-data-hint = Download everything this helpdesk holds about you — your profile, where you were seen from, your chat consents and your requests with their messages — as one JSON file.
portal-profile-download = Download my data
