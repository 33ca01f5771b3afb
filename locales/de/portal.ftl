# Die Kundenseite auf Deutsch (Anrede: „Sie“): das öffentliche Webformular (/portal/new)
# und das Kundenportal (/portal). Ids wie in locales/en/portal.ftl.

portal-nav-label = Kundenportal
portal-nav-requests = Meine Anfragen
portal-nav-new = Neue Anfrage
portal-nav-profile = Profil
portal-sign-in = Anmelden
portal-sign-out = Abmelden

## Fields
portal-field-name = Ihr Name
portal-field-email = E-Mail
portal-field-subject = Betreff
portal-field-message = Nachricht
# The honeypot: hidden from sight, read out by screen readers.
portal-field-trap = Lassen Sie dieses Feld leer

## The web form
portal-new-title = Nachricht an { $account }
portal-new-intro = Sagen Sie uns, was Sie brauchen. Wir antworten per E-Mail, und Sie können Ihre Anfrage hier verfolgen.
portal-new-submit = Senden
portal-invalid-email = Geben Sie eine gültige E-Mail-Adresse ein.
portal-invalid-name = Ihr Name darf höchstens 200 Zeichen lang sein.
portal-invalid-subject = Geben Sie einen einzeiligen Betreff mit höchstens 500 Zeichen ein.
portal-invalid-message = Schreiben Sie eine Nachricht (höchstens 50.000 Zeichen).
portal-invalid-fields = Einige Felder sind ungültig. Prüfen Sie sie und senden Sie das Formular erneut.
portal-thanks-title = Vielen Dank
portal-thanks-text = Wir haben Ihre Anfrage erhalten. Ihre Vorgangsnummer:
portal-thanks-quote = Bitte geben Sie sie an, wenn Sie uns zu dieser Anfrage schreiben.
portal-thanks-follow = Ihre Anfragen ansehen
portal-thanks-sign-in = Melden Sie sich an, um Ihre Anfragen zu verfolgen

## Refusals
portal-forbidden-title = Formular abgelaufen
portal-form-expired = Dieses Formular ist abgelaufen oder wurde nicht von dieser Website gesendet. Öffnen Sie es erneut und senden Sie es noch einmal.
portal-too-many-title = Zu viele Anfragen
portal-too-many =
    Sie haben in kurzer Zeit zu viele Anfragen gesendet. Bitte versuchen Sie es { $minutes ->
        [one] in einer Minute
       *[other] in { $minutes } Minuten
    } erneut.

## Signing in
portal-login-title = Bei { $account } anmelden
portal-login-intro = Geben Sie die E-Mail-Adresse ein, von der aus Sie uns geschrieben haben. Wir senden Ihnen einen Anmeldelink; ein Passwort ist nicht nötig.
portal-login-submit = Anmeldelink senden
portal-login-sent-title = Prüfen Sie Ihre E-Mails
portal-login-sent = Wenn uns { $email } bekannt ist, ist ein Anmeldelink unterwegs. Er funktioniert einmal, innerhalb von 30 Minuten.
portal-link-title = Anmelden
portal-link-text = Klicken Sie auf die Schaltfläche, um sich bei { $account } anzumelden.
portal-link-submit = Anmelden
portal-link-invalid-title = Dieser Link funktioniert nicht
portal-link-invalid = Der Anmeldelink wurde bereits verwendet, ist abgelaufen oder ist unvollständig.
portal-link-again = Neuen Link anfordern
portal-link-mail-subject = Ihr Anmeldelink für { $account }
portal-link-mail-intro = Guten Tag, Sie möchten sich bei { $account } anmelden. Öffnen Sie diesen Link innerhalb von 30 Minuten; er funktioniert einmal:
portal-link-mail-outro = Wenn Sie ihn nicht angefordert haben, ignorieren Sie diese E-Mail: Ohne den Link geschieht nichts.

## Requests
portal-requests-title = Meine Anfragen
portal-requests-empty = Sie haben noch keine Anfragen.
portal-col-subject = Betreff
portal-col-status = Status
portal-col-updated = Letzte Änderung
portal-status-new = Eingegangen
portal-status-open = Offen
portal-status-pending = Wartet auf Ihre Antwort
portal-status-resolved = Gelöst
portal-status-spam = Geschlossen
portal-status-trash = Geschlossen
portal-back = Alle meine Anfragen
portal-opened = eröffnet am { $when } (UTC)
portal-you = Sie
portal-reply-label = Ihre Antwort
portal-reply-submit = Antwort senden
portal-reply-empty = Schreiben Sie etwas, bevor Sie senden.
portal-reply-invalid = Diese Antwort kann nicht gesendet werden; möglicherweise ist sie zu lang.
portal-not-found-title = Anfrage nicht gefunden
portal-not-found = Unter Ihren Anfragen gibt es diese Anfrage nicht.

## Profile
portal-profile-title = Ihr Profil
portal-profile-emails = Ihre E-Mail-Adressen
portal-profile-phones = Telefonnummern
portal-profile-phones-hint = Eine Nummer pro Zeile.
portal-profile-save = Speichern
portal-profile-saved = Gespeichert.
portal-profile-invalid = Ein Name oder eine Telefonnummer ist zu lang oder enthält Steuerzeichen.
portal-profile-data = Ihre Daten
portal-profile-data-hint = Laden Sie alles herunter, was dieser Helpdesk über Sie gespeichert hat – Ihr Profil, von wo Sie uns erreicht haben, Ihre Einwilligungen im Chat und Ihre Anfragen mit ihren Nachrichten – als eine JSON-Datei.
portal-profile-download = Meine Daten herunterladen
