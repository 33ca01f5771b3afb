# Der Arbeitsbereich der Agenten auf Deutsch (Anrede: „Sie“): Ticketlisten, ein Ticket,
# Kontakte. Ids wie in locales/en/panel-desk.ftl.

nav-tickets = Tickets
nav-contacts = Kontakte

## Views
desk-views = Ansichten
desk-search = Tickets durchsuchen
desk-search-placeholder = Tickets durchsuchen… (/)
desk-shortcuts = Tastenkürzel
shortcut-search = suchen
shortcut-move = nächstes / vorheriges Ticket
shortcut-open = ausgewähltes Ticket öffnen
shortcut-reply = Antwort schreiben
shortcut-back = zurück zur Liste
desk-empty = Hier gibt es keine Tickets.
desk-older = Ältere
desk-col-subject = Betreff
desk-col-contact = Kontakt
desk-col-status = Status
desk-col-priority = Priorität
desk-col-assignee = Zuständig
desk-col-updated = Aktualisiert
view-mine = Meine offenen Tickets
view-unassigned = Nicht zugewiesen
view-open = Offen
view-pending = Wartend
view-resolved = Gelöst
view-spam = Spam
view-trash = Papierkorb
view-all = Alle Tickets

## Values
status-new = Neu
status-open = Offen
status-pending = Wartend
status-resolved = Gelöst
status-spam = Spam
status-trash = Im Papierkorb
priority-low = Niedrig
priority-normal = Normal
priority-high = Hoch
priority-urgent = Dringend
channel-email = E-Mail
channel-chat = Chat
channel-web = Webformular
channel-api = API
channel-phone = Telefon

## A ticket
ticket-back = Tickets
ticket-not-found = Dieses Ticket gibt es nicht, oder es gehört zu einer Abteilung, der Sie nicht angehören.
ticket-opened = eröffnet am { $when }
ticket-internal-note = Interne Notiz
ticket-reply-label = Antworten Sie dem Kunden oder schreiben Sie eine interne Notiz
ticket-send-reply = Antwort senden
ticket-add-note = Interne Notiz hinzufügen
ticket-empty-message = Schreiben Sie zuerst etwas.
ticket-history = Verlauf
ticket-unassigned = Nicht zugewiesen
ticket-tags = Schlagwörter
ticket-save = Speichern
ticket-other-tickets = Tickets dieses Kontakts

## Contacts
contacts-title = Kontakte
contacts-find-email = Nach E-Mail-Adresse suchen
contacts-find = Suchen
contacts-none = Noch keine Kontakte.
contacts-not-found = Diesen Kontakt gibt es nicht.
contacts-company = Firma
contacts-since = Kontakt seit
contacts-phones = Telefon
contacts-address = Adresse
contacts-tickets = Tickets

## Editing and merging a contact
contacts-edit = Angaben bearbeiten
contacts-emails = E-Mail-Adressen
contacts-emails-hint = Eine Adresse pro Zeile.
contacts-phones-hint = Eine Nummer pro Zeile.
contacts-custom = Eigene Felder
contacts-custom-key = Feld
contacts-custom-value = Wert
contacts-custom-hint = Leeren Sie einen Wert, um sein Feld zu entfernen. Zahlen, Ja/Nein-Werte und Listen behalten ihren Typ (als JSON geschrieben).
contacts-save = Angaben speichern
contacts-saved = Gespeichert.
contacts-merged = Zusammengeführt: E-Mail-Adressen, Telefonnummern und Tickets des anderen Kontakts sind jetzt hier.
contacts-invalid-email = „{ $email }“ ist keine gültige E-Mail-Adresse. Es wurde nichts gespeichert.
contacts-email-taken = { $email } gehört bereits zu einem anderen Kontakt. Es wurde nichts gespeichert.
contacts-email-taken-merge = Diesen Kontakt mit diesem hier zusammenführen
contacts-invalid-field = Ein Feld ist zu lang (höchstens 1.000 Zeichen; eigene Felder zusammen höchstens 16 KB), oder es sind mehr als 20 E-Mail-Adressen oder Telefonnummern. Es wurde nichts gespeichert.
contacts-custom-invalid = Das eigene Feld „{ $key }“ enthält eine Zahl, einen Ja/Nein-Wert oder eine Liste: Schreiben Sie es als JSON (zum Beispiel 42, true oder ["a", "b"]). Es wurde nichts gespeichert.
contacts-merge-title = Ein Duplikat mit diesem Kontakt zusammenführen
contacts-merge-hint = Finden Sie den anderen Kontakt über eine E-Mail-Adresse oder einen Teil des Namens.
contacts-merge-find = E-Mail-Adresse oder Name
contacts-merge-none = Kein anderer Kontakt passt.
contacts-merge-choose = Zusammenführen…
contacts-merge-not-found = Diesen Kontakt gibt es nicht (mehr).
contacts-merge-question = { $other } mit { $this } zusammenführen?
contacts-merge-moves = { $tickets ->
        [one] Die E-Mail-Adressen ({ $emails }), Telefonnummern und das Ticket kommen hierher.
       *[other] Die E-Mail-Adressen ({ $emails }), Telefonnummern und { $tickets } Tickets kommen hierher.
    }
contacts-merge-fills = Felder, die hier leer sind, übernehmen die Werte; eigene Felder werden vereinigt.
contacts-merge-removes = { $other } wird danach entfernt. Das kann nicht rückgängig gemacht werden.
contacts-merge-understand = Mir ist bewusst, dass das nicht rückgängig gemacht werden kann.
contacts-merge-button = Kontakte zusammenführen
contacts-merge-cancel = Abbrechen
contacts-merge-self = Ein Kontakt kann nicht mit sich selbst zusammengeführt werden.
contacts-merge-confirm = Setzen Sie das Häkchen, um das Zusammenführen zu bestätigen. Es wurde nichts zusammengeführt.

## Saved views
views-saved = Gespeicherte Ansichten
views-none = Noch keine: Speichern Sie eine Liste oder Suche mit „Als Ansicht speichern“.
views-save-as = Als Ansicht speichern
views-name = Name der Ansicht
views-name-placeholder = z. B. VIP-Rechnungen
views-save = Ansicht speichern
views-delete = Ansicht löschen
views-not-found = Diese Ansicht gibt es nicht, oder sie gehört einem anderen Agenten.
views-bad-cursor = Diese Seite der Ansicht ist nicht mehr gültig; öffnen Sie die Ansicht erneut ab der ersten Seite.
views-name-invalid = Geben Sie der Ansicht einen Namen mit 1 bis 100 Zeichen in einer Zeile.
views-name-taken = Sie haben bereits eine Ansicht namens „{ $name }“. Wählen Sie einen anderen Namen.
views-cannot-save = Diese Ansicht kann nicht gespeichert werden: Sie haben bereits 100 gespeicherte Ansichten, oder ihre Suche ist zu lang.
views-tag-filter = mit Schlagwort „{ $tag }“

## Attachments on a ticket
ticket-attachments = Anhänge
ticket-files = Dateien zu diesem Ticket
ticket-download = { $name } herunterladen
ticket-attach-files = Dateien anhängen
ticket-attach-hint = Bis zu { $count } Dateien, jede höchstens { $limit }.
ticket-file-too-large = „{ $name }“ ist größer als die Grenze von { $limit }. Es wurde nichts gesendet: Wählen Sie eine kleinere Datei und senden Sie erneut. Ihr Text bleibt erhalten.
ticket-files-too-large = Die Dateien sind zusammen größer als die Grenze von { $limit }. Es wurde nichts gesendet; Ihr Text bleibt erhalten.
ticket-file-empty = „{ $name }“ ist leer. Es wurde nichts gesendet; Ihr Text bleibt erhalten.
ticket-too-many-files = { $count ->
        [one] Höchstens eine Datei pro Nachricht.
       *[other] Höchstens { $count } Dateien pro Nachricht.
    } Es wurde nichts gesendet; Ihr Text bleibt erhalten.
ticket-file-over-limit = „{ $name }“ ist größer als die Grenze von { $limit }: Wählen Sie eine kleinere Datei.
ticket-files-over-limit = Diese Dateien sind zusammen größer als { $limit }: Wählen Sie weniger oder kleinere Dateien.
ticket-over-file-count = { $count ->
        [one] Wählen Sie höchstens eine Datei.
       *[other] Wählen Sie höchstens { $count } Dateien.
    }
ticket-upload-failed = Die Dateien konnten nicht empfangen werden. Es wurde nichts gesendet; bitte versuchen Sie es erneut.
size-bytes = { $size } B
size-kb = { $size } KB
size-mb = { $size } MB

# language-name und profile-language* stehen bereits in locales/de/panel.ftl.
contacts-consents = Einwilligung im Chat
contacts-consent-given = { $when }: Version { $version } ({ $language }) zugestimmt, von { $ip }
contacts-export = Daten exportieren
contacts-export-hint = Alles, was über diese Person gespeichert ist, einschließlich interner Notizen, als eine JSON-Datei (DSGVO-Auskunftsersuchen). Jeder Export wird im Audit-Log festgehalten.
