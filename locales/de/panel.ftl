# Der Agentenbereich, auf Deutsch (Anrede: „Sie“). Ids wie in locales/en/panel.ftl.

## Shared
form-expired = Dieses Formular ist abgelaufen oder stammt von einer anderen Seite. Bitte versuchen Sie es erneut.
back-to-profile = Zurück zu Ihrem Profil

## Sign in
login-page-title = Anmelden
login-title = Bei { $account } anmelden
field-email = E-Mail
field-password = Passwort
login-submit = Anmelden
login-with-key = Stattdessen mit einem Sicherheitsschlüssel anmelden
login-wrong = E-Mail-Adresse oder Passwort ist falsch.
login-throttled =
    Zu viele fehlgeschlagene Versuche. Versuchen Sie es in { $seconds ->
        [one] { $seconds } Sekunde
       *[other] { $seconds } Sekunden
    } erneut.

## The second step of signing in
second-step-title = Zwei-Schritt-Verifizierung
second-step-signing-in-as = Anmeldung als { $email }.
second-step-code-label = Code aus Ihrer Authenticator-App oder ein Wiederherstellungscode
second-step-verify = Bestätigen
second-step-use-key = Sicherheitsschlüssel verwenden
second-step-start-over = Von vorn beginnen
second-step-wrong-code = Dieser Code ist falsch, abgelaufen oder wurde bereits verwendet.

## Refused by the account's network allowlist
blocked-title = Von hier aus nicht verfügbar
blocked-text = Der Agentenbereich von { $account } ist von Ihrer Adresse ({ $ip }) aus nicht erreichbar.
blocked-hint = Bitten Sie den Inhaber des Kontos, Ihr Netzwerk freizugeben, oder verbinden Sie sich über ein zugelassenes Netzwerk.

## Navigation
nav-profile = Profil
nav-tokens = API-Tokens
nav-agents = Agenten
nav-security = Sicherheit
nav-audit = Audit-Protokoll

## Profile
profile-two-step = Zwei-Schritt-Verifizierung
profile-two-step-link = Authenticator-App, Wiederherstellungscodes und Sicherheitsschlüssel
profile-sessions = Sitzungen
profile-session-line = { $ip } · { $agent } · zuletzt aktiv { $seen }
profile-this-session = diese Sitzung
profile-end-others = Andere Sitzungen abmelden
profile-change-password = Passwort ändern
field-current-password = Aktuelles Passwort
field-new-password = Neues Passwort
profile-change-password-submit = Passwort ändern
profile-sign-out = Abmelden
profile-password-changed = Das Passwort wurde geändert. Ihre anderen Sitzungen wurden abgemeldet.
profile-current-wrong = Das aktuelle Passwort ist falsch.
# The English message appends an English-only reason ({ $why }); it is left out here.
profile-new-weak = Dieses Passwort ist nicht zulässig: Es muss mindestens 12 Zeichen (höchstens 1024 Byte) lang sein und darf kein häufig verwendetes Passwort sein.

## Two-step verification settings
twostep-title = Zwei-Schritt-Verifizierung
twostep-must-enrol = Für dieses Konto ist die Zwei-Schritt-Verifizierung vorgeschrieben. Richten Sie eine Authenticator-App oder einen Sicherheitsschlüssel ein, um fortzufahren.
twostep-app = Authenticator-App
twostep-app-on =
    Aktiviert. { $left ->
        [0] Sie haben keine unbenutzten Wiederherstellungscodes mehr.
        [one] Sie haben noch { $left } unbenutzten Wiederherstellungscode.
       *[other] Sie haben noch { $left } unbenutzte Wiederherstellungscodes.
    }
twostep-current-code = Aktueller Code
twostep-new-codes = Neue Wiederherstellungscodes erzeugen
twostep-code-or-recovery = Aktueller Code oder ein Wiederherstellungscode
twostep-turn-off = Authenticator-App deaktivieren
twostep-app-off = Deaktiviert. Verwenden Sie Google Authenticator, Aegis, 1Password oder eine andere Authenticator-App.
twostep-set-up = Authenticator-App einrichten
twostep-app-turned-off = Die Authenticator-App ist deaktiviert.
twostep-wrong-code = Der Code ist falsch, abgelaufen oder wurde bereits verwendet.
twostep-required = Für dieses Konto ist die Zwei-Schritt-Verifizierung vorgeschrieben: Fügen Sie einen weiteren Sicherheitsschlüssel hinzu oder behalten Sie die App.
twostep-not-enabled = Die Authenticator-App ist nicht aktiviert.
twostep-keys = Sicherheitsschlüssel und Passkeys
twostep-keys-intro = Ein Sicherheitsschlüssel (z. B. ein YubiKey) oder ein Passkey auf diesem Gerät kann den Code ersetzen oder Sie ganz ohne Passwort anmelden.
twostep-keys-none = Noch keine.
twostep-key-added = hinzugefügt am { $when }
twostep-key-used = zuletzt verwendet am { $when }
twostep-key-remove = Entfernen
twostep-key-name = Name des neuen Schlüssels
twostep-key-placeholder = YubiKey am Schlüsselbund
twostep-add-key = Sicherheitsschlüssel hinzufügen
enrol-title = Authenticator-App einrichten
enrol-scan = Scannen Sie diesen QR-Code mit Ihrer Authenticator-App.
enrol-type = Oder geben Sie diesen Schlüssel manuell ein:
enrol-enter = Geben Sie den 6-stelligen Code ein, den die App anzeigt.
enrol-qr-label = QR-Code für Ihre Authenticator-App
enrol-code = Code
enrol-turn-on = Aktivieren
enrol-wrong = Dieser Code ist falsch oder abgelaufen. Versuchen Sie es mit dem nächsten.
recovery-title = Ihre Wiederherstellungscodes
recovery-on = Die Zwei-Schritt-Verifizierung ist aktiviert.
recovery-explain = Falls Sie Ihr Telefon verlieren, können Sie sich mit jedem Code einmal anmelden. Bewahren Sie die Codes an einem sicheren Ort auf – sie werden nur dieses eine Mal angezeigt.
recovery-saved = Ich habe sie gespeichert

## Roles
role-owner = Inhaber
role-admin = Admin
role-agent = Agent

## Agents
agents-title = Agenten
agents-name = Name
agents-email = E-Mail
agents-role = Rolle
agents-two-step = Zwei-Schritt
agents-actions = Aktionen
agents-on = aktiv
agents-off = inaktiv
agents-change-role = Rolle ändern
agents-confirm = Bestätigen
agents-confirm-needed = Setzen Sie das Häkchen bei „Bestätigen“, um eine Person zu löschen.
agents-delete = Löschen
agents-reset-two-step = Zwei-Schritt-Verifizierung zurücksetzen
agents-invitations = Einladungen
agents-no-invitations = Keine offenen Einladungen.
agents-expires = gültig bis { $when }
agents-revoke = Widerrufen
agents-invite = Jemanden einladen
agents-send-invitation = Einladungslink erstellen
agents-invited = Die Einladung für { $email } wurde erstellt. Senden Sie der Person diesen Link; er kann einmal verwendet werden und ist sieben Tage gültig:
agents-role-changed = { $name } hat eine neue Rolle. Die Sitzungen dieser Person wurden beendet.
agents-deleted = { $name } wurde gelöscht: Profil, Passwort, Sitzungen und Tokens wurden entfernt.
agents-two-step-reset = Die Zwei-Schritt-Verifizierung von { $name } wurde zurückgesetzt; die Sitzungen dieser Person wurden beendet.
agents-invitation-revoked = Die Einladung wurde widerrufen; ihr Link funktioniert nicht mehr.

## Accepting an invitation
invite-title = { $account } beitreten
invite-as = Sie wurden als { $email } ({ $role }) eingeladen.
invite-password-hint = Mindestens 12 Zeichen; häufig verwendete Passwörter werden abgelehnt.
invite-join = Beitreten
invite-invalid-title = Diese Einladung ist ungültig
invite-invalid = Der Link ist falsch, wurde bereits verwendet, wurde widerrufen oder ist abgelaufen. Bitten Sie um eine neue Einladung.

## Account security
security-title = Sicherheit
security-two-step = Zwei-Schritt-Verifizierung
security-require-two-step = Zwei-Schritt-Verifizierung für alle Personen in diesem Konto vorschreiben
security-require-hint = Wer sie noch nicht nutzt, wird beim nächsten Seitenaufruf aufgefordert, sie einzurichten, und kann die API nicht mehr mit dem Passwort verwenden (API-Tokens funktionieren weiterhin).
security-save = Speichern
security-two-step-required = Die Zwei-Schritt-Verifizierung ist jetzt für alle vorgeschrieben.
security-two-step-optional = Die Zwei-Schritt-Verifizierung ist jetzt freiwillig.
security-networks = Zugelassene Netzwerke
security-networks-intro = Eine Adresse oder ein Netzwerk pro Zeile (IPv4 oder IPv6, z. B. 192.0.2.0/24). Eine leere Liste lässt alle Adressen zu. Nicht zugelassene Adressen werden abgewiesen, bevor sich jemand anmelden kann.
security-your-address = Ihre aktuelle Adresse: { $ip }. Eine Liste, die diese Adresse ausschließen würde, wird abgelehnt.
security-panel-networks = Agentenbereich
security-api-networks = API
security-everywhere = von überall
security-owner-only = Nur der Inhaber des Kontos kann diese Listen ändern.
security-networks-saved = Die zugelassenen Netzwerke wurden gespeichert.
security-lockouts = Gesperrte Anmeldungen
security-no-lockouts = Derzeit ist keine E-Mail-Adresse gesperrt.
security-locked-for =
    { $failures ->
        [one] { $failures } Fehlversuch
       *[other] { $failures } Fehlversuche
    }, noch { $minutes ->
        [one] { $minutes } Minute
       *[other] { $minutes } Minuten
    } gesperrt
security-would-lock-out = Nicht gespeichert: Ihre Adresse { $ip } ist in der neuen Liste „{ $list }“ nicht enthalten, Sie würden sich also selbst aussperren. Fügen Sie zuerst die Adresse oder ein Netzwerk hinzu, das sie enthält.
security-invalid-network = Nicht gespeichert: „{ $entry }“ ist weder eine IP-Adresse noch ein Netzwerk (z. B. 192.0.2.0/24 oder 2001:db8::/32).
security-list-panel = Agentenbereich
security-list-api = API

## The language's own name, in the language chooser
language-name = Deutsch
profile-language = Sprache
profile-language-browser = Wie im Browser eingestellt
profile-language-save = Sprache speichern
error-page-home = Zurück zur Startseite
