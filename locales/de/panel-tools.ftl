# Werkzeuge des Agentenbereichs: API-Tokens und Audit-Protokoll. Ids wie in
# locales/en/panel-tools.ftl.

## API tokens (/agent/tokens)
tokens-title = API-Tokens
tokens-intro = Mit einem Token kann ein Skript oder eine Integration die API in Ihrem Namen nutzen. Senden Sie es im Header Authorization: Bearer, gefolgt vom Token.
tokens-yours = Ihre Tokens
tokens-none = Sie haben keine Tokens.
tokens-col-name = Name
tokens-col-scopes = Berechtigungen
tokens-col-created = Erstellt
tokens-col-expires = Läuft ab
tokens-col-last-used = Zuletzt verwendet
tokens-col-actions = Aktionen
tokens-never-expires = nie
tokens-never-used = nie
tokens-expired = abgelaufen
tokens-revoke = Widerrufen
tokens-revoke-label = { $name } widerrufen
tokens-create = Token erstellen
tokens-field-name = Name
tokens-name-placeholder = Nächtliches Exportskript
tokens-field-scopes = Berechtigungen
tokens-scope-read = Lesen: Tickets, Personen und Einstellungen lesen
tokens-scope-write = Schreiben: alles ändern, was Sie selbst ändern dürfen
tokens-scope-admin = Admin: Personen und Sicherheitseinstellungen verwalten
tokens-field-expiry = Läuft ab nach (Tagen)
tokens-expiry-hint = 1 bis 3650 Tage. Lassen Sie das Feld leer, wenn das Token nicht ablaufen soll.
tokens-create-submit = Token erstellen
tokens-created = Token „{ $name }“ wurde erstellt.
tokens-copy-now = Kopieren Sie es jetzt: Es wird nicht noch einmal angezeigt.
tokens-new-token-label = Das neue Token
tokens-revoked = Token „{ $name }“ wurde widerrufen. Es funktioniert nicht mehr.
tokens-not-found = Dieses Token existiert nicht oder wurde bereits widerrufen.
tokens-error-name = Der Name muss 1 bis 100 Zeichen lang sein.
tokens-error-expiry = Die Gültigkeitsdauer muss eine ganze Zahl von Tagen zwischen 1 und 3650 sein oder leer bleiben.
tokens-error-no-scope = Wählen Sie mindestens eine Berechtigung aus.
tokens-error-scope = Diese Berechtigung kann nicht erteilt werden.
tokens-error-admin = Nur Inhaber und Admins dürfen Tokens mit der Admin-Berechtigung erstellen.

## Audit log (/agent/audit)
audit-title = Audit-Protokoll
audit-intro = Wer in diesem Konto was getan hat, die neuesten Einträge zuerst. Einträge können nicht geändert werden.
audit-filter = Filter
audit-field-action = Aktion
audit-action-hint = Eine Aktion wie token.created oder eine Gruppe wie login oder 2fa.
audit-field-actor = Akteur (E-Mail, cli oder system)
audit-field-from = Von
audit-field-to = Bis
audit-filter-submit = Anzeigen
audit-filter-clear = Alle anzeigen
audit-download-csv = Als CSV herunterladen
audit-col-time = Zeitpunkt
audit-col-actor = Akteur
audit-col-action = Aktion
audit-col-target = Ziel
audit-col-ip = IP-Adresse
audit-col-detail = Details
audit-none = Keine Einträge.
audit-none-filtered = Keine Einträge entsprechen diesem Filter.
audit-older = Ältere Einträge
audit-newest = Neueste Einträge
audit-showing-action = Nur { $action } wird angezeigt.
tokens-field-skip-spam-check = Mit diesem Token erstellte Tickets umgehen den Spamfilter (für eine vertrauenswürdige Integration)
tokens-spam-check-off = ohne Spamfilter
