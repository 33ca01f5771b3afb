# The agents' workspace: ticket lists, a ticket, contacts.

nav-tickets = Tickets
nav-contacts = Contacts

## Views
desk-views = Views
desk-search = Search tickets
desk-search-placeholder = Search tickets… (/)
desk-shortcuts = Keyboard shortcuts
shortcut-search = search
shortcut-move = next / previous ticket
shortcut-open = open the selected ticket
shortcut-reply = write a reply
shortcut-back = back to the list
desk-empty = No tickets here.
desk-older = Older
desk-col-subject = Subject
desk-col-contact = Contact
desk-col-status = Status
desk-col-priority = Priority
desk-col-assignee = Assignee
desk-col-updated = Updated
view-mine = My open tickets
view-unassigned = Unassigned
view-open = Open
view-pending = Pending
view-resolved = Resolved
view-spam = Spam
view-trash = Trash
view-all = All tickets

## Values
status-new = New
status-open = Open
status-pending = Pending
status-resolved = Resolved
status-spam = Spam
status-trash = Trash
priority-low = Low
priority-normal = Normal
priority-high = High
priority-urgent = Urgent
channel-email = Email
channel-chat = Chat
channel-web = Web form
channel-api = API
channel-phone = Phone

## A ticket
ticket-back = Tickets
ticket-not-found = There is no such ticket, or it belongs to a department you are not in.
ticket-opened = opened { $when }
ticket-internal-note = Internal note
ticket-reply-label = Reply to the customer, or write an internal note
ticket-send-reply = Send reply
ticket-add-note = Add internal note
ticket-empty-message = Write something first.
ticket-history = History
ticket-unassigned = Unassigned
ticket-tags = Tags
ticket-save = Save
ticket-other-tickets = Their tickets

## Contacts
contacts-title = Contacts
contacts-find-email = Find by email
contacts-find = Find
contacts-none = No contacts yet.
contacts-not-found = There is no such contact.
contacts-company = Company
contacts-since = Since
contacts-phones = Phone
contacts-address = Address
contacts-tickets = Tickets

## Editing and merging a contact
contacts-edit = Edit details
contacts-emails = Emails
contacts-emails-hint = One address per line.
contacts-phones-hint = One number per line.
contacts-custom = Custom fields
contacts-custom-key = Field
contacts-custom-value = Value
contacts-custom-hint = Empty a value to remove its field. Numbers, yes/no values and lists keep their type (written as JSON).
contacts-save = Save details
contacts-saved = Saved.
contacts-merged = Merged: the other contact's emails, phone numbers and tickets are now here.
contacts-invalid-email = “{ $email }” is not a valid email address. Nothing was saved.
contacts-email-taken = { $email } already belongs to another contact. Nothing was saved.
contacts-email-taken-merge = Merge that contact into this one
contacts-invalid-field = A field is too long (at most 1,000 characters; custom fields at most 16 KB together), or there are more than 20 emails or phone numbers. Nothing was saved.
contacts-custom-invalid = The custom field “{ $key }” holds a number, a yes/no value or a list: write it as JSON (for example 42, true or ["a", "b"]). Nothing was saved.
contacts-merge-title = Merge a duplicate into this contact
contacts-merge-hint = Find the other contact by an email address or part of a name.
contacts-merge-find = Email or name
contacts-merge-none = No other contact matches.
contacts-merge-choose = Merge…
contacts-merge-not-found = That contact does not exist (any more).
contacts-merge-question = Merge { $other } into { $this }?
contacts-merge-moves = { $tickets ->
        [one] Their emails ({ $emails }), phone numbers and their ticket move here.
       *[other] Their emails ({ $emails }), phone numbers and { $tickets } tickets move here.
    }
contacts-merge-fills = Fields that are empty here take their values; custom fields are combined.
contacts-merge-removes = { $other } is then removed. This cannot be undone.
contacts-merge-understand = I understand that this cannot be undone.
contacts-merge-button = Merge contacts
contacts-merge-cancel = Cancel
contacts-merge-self = A contact cannot be merged into itself.
contacts-merge-confirm = Tick the box to confirm the merge. Nothing was merged.

## Saved views
views-saved = Saved views
views-none = None yet: save a list or a search with “Save as view”.
views-save-as = Save as view
views-name = Name of the view
views-name-placeholder = e.g. VIP billing
views-save = Save view
views-delete = Delete view
views-not-found = There is no such view, or it belongs to another agent.
views-bad-cursor = This page of the view is no longer valid; open the view again from its first page.
views-name-invalid = Give the view a name of 1 to 100 characters on one line.
views-name-taken = You already have a view called “{ $name }”. Choose another name.
views-cannot-save = This view cannot be saved: you already have 100 saved views, or its search is too long.
views-tag-filter = tagged “{ $tag }”

## Attachments on a ticket
ticket-attachments = Attachments
ticket-files = Files on this ticket
ticket-download = Download { $name }
ticket-attach-files = Attach files
ticket-attach-hint = Up to { $count } files, each at most { $limit }.
ticket-file-too-large = “{ $name }” is larger than the limit of { $limit }. Nothing was sent: choose a smaller file and send again. Your text is kept.
ticket-files-too-large = The files together are larger than the limit of { $limit }. Nothing was sent; your text is kept.
ticket-file-empty = “{ $name }” is empty. Nothing was sent; your text is kept.
ticket-too-many-files = { $count ->
        [one] At most one file per message.
       *[other] At most { $count } files per message.
    } Nothing was sent; your text is kept.
ticket-file-over-limit = “{ $name }” is larger than the limit of { $limit }: choose a smaller file.
ticket-files-over-limit = These files together are larger than { $limit }: choose fewer or smaller files.
ticket-over-file-count = { $count ->
        [one] Choose at most one file.
       *[other] Choose at most { $count } files.
    }
ticket-upload-failed = The files could not be received. Nothing was sent; please try again.
size-bytes = { $size } B
size-kb = { $size } KB
size-mb = { $size } MB

## The language's own name, in the language chooser
language-name = English
profile-language = Language
profile-language-browser = As my browser asks
profile-language-save = Save language
contacts-consents = Chat consent
contacts-consent-given = { $when }: agreed to version { $version } ({ $language }) from { $ip }
contacts-export = Export data
contacts-export-hint = Everything held about this person, internal notes included, as one JSON file (a GDPR access request). Each export is recorded in the audit log.
