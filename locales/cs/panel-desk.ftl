# Pracovní prostor agentů česky (vykání): seznamy tiketů, tiket, kontakty. Ids jako
# v locales/en/panel-desk.ftl.

nav-tickets = Tikety
nav-contacts = Kontakty

## Views
desk-views = Pohledy
desk-search = Hledat tikety
desk-search-placeholder = Hledat tikety… (/)
desk-shortcuts = Klávesové zkratky
shortcut-search = hledat
shortcut-move = další / předchozí tiket
shortcut-open = otevřít vybraný tiket
shortcut-reply = napsat odpověď
shortcut-back = zpět na seznam
desk-empty = Nejsou tu žádné tikety.
desk-older = Starší
desk-col-subject = Předmět
desk-col-contact = Kontakt
desk-col-status = Stav
desk-col-priority = Priorita
desk-col-assignee = Řešitel
desk-col-updated = Aktualizováno
view-mine = Moje otevřené tikety
view-unassigned = Nepřiřazené
view-open = Otevřené
view-pending = Čekající
view-resolved = Vyřešené
view-spam = Spam
view-trash = Koš
view-all = Všechny tikety

## Values
status-new = Nový
status-open = Otevřený
status-pending = Čekající
status-resolved = Vyřešený
status-spam = Spam
status-trash = V koši
priority-low = Nízká
priority-normal = Normální
priority-high = Vysoká
priority-urgent = Naléhavá
channel-email = E-mail
channel-chat = Chat
channel-web = Webový formulář
channel-api = API
channel-phone = Telefon

## A ticket
ticket-back = Tikety
ticket-not-found = Takový tiket neexistuje, nebo patří oddělení, jehož nejste členem.
ticket-opened = vytvořen { $when }
ticket-internal-note = Interní poznámka
ticket-reply-label = Odpovězte zákazníkovi, nebo napište interní poznámku
ticket-send-reply = Odeslat odpověď
ticket-add-note = Přidat interní poznámku
ticket-empty-message = Nejprve něco napište.
ticket-history = Historie
ticket-unassigned = Nepřiřazeno
ticket-tags = Štítky
ticket-save = Uložit
ticket-other-tickets = Tikety tohoto kontaktu

## Contacts
contacts-title = Kontakty
contacts-find-email = Hledat podle e-mailu
contacts-find = Hledat
contacts-none = Zatím žádné kontakty.
contacts-not-found = Takový kontakt neexistuje.
contacts-company = Firma
contacts-since = Evidován od
contacts-phones = Telefon
contacts-address = Adresa
contacts-tickets = Tikety

## Editing and merging a contact
contacts-edit = Upravit údaje
contacts-emails = E-maily
contacts-emails-hint = Jedna adresa na řádek.
contacts-phones-hint = Jedno číslo na řádek.
contacts-custom = Vlastní pole
contacts-custom-key = Pole
contacts-custom-value = Hodnota
contacts-custom-hint = Vymazáním hodnoty pole odstraníte. Čísla, hodnoty ano/ne a seznamy si zachovají svůj typ (zapsaný jako JSON).
contacts-save = Uložit údaje
contacts-saved = Uloženo.
contacts-merged = Sloučeno: e-maily, telefonní čísla a tikety druhého kontaktu jsou nyní zde.
contacts-invalid-email = „{ $email }“ není platná e-mailová adresa. Nic nebylo uloženo.
contacts-email-taken = { $email } už patří jinému kontaktu. Nic nebylo uloženo.
contacts-email-taken-merge = Sloučit ten kontakt do tohoto
contacts-invalid-field = Některé pole je příliš dlouhé (nejvýše 1 000 znaků; vlastní pole dohromady nejvýše 16 KB), nebo je zadáno více než 20 e-mailů či telefonních čísel. Nic nebylo uloženo.
contacts-custom-invalid = Vlastní pole „{ $key }“ obsahuje číslo, hodnotu ano/ne nebo seznam: zapište ho jako JSON (například 42, true nebo ["a", "b"]). Nic nebylo uloženo.
contacts-merge-title = Sloučit duplicitu do tohoto kontaktu
contacts-merge-hint = Najděte druhý kontakt podle e-mailové adresy nebo části jména.
contacts-merge-find = E-mail nebo jméno
contacts-merge-none = Žádný jiný kontakt neodpovídá.
contacts-merge-choose = Sloučit…
contacts-merge-not-found = Takový kontakt (už) neexistuje.
contacts-merge-question = Sloučit { $other } do { $this }?
contacts-merge-moves = { $tickets ->
        [one] Jeho e-maily ({ $emails }), telefonní čísla a { $tickets } tiket se přesunou sem.
        [few] Jeho e-maily ({ $emails }), telefonní čísla a { $tickets } tikety se přesunou sem.
       *[other] Jeho e-maily ({ $emails }), telefonní čísla a { $tickets } tiketů se přesune sem.
    }
contacts-merge-fills = Pole, která jsou zde prázdná, převezmou jeho hodnoty; vlastní pole se spojí.
contacts-merge-removes = { $other } bude poté odstraněn. Tuto akci nelze vrátit.
contacts-merge-understand = Rozumím, že tuto akci nelze vrátit.
contacts-merge-button = Sloučit kontakty
contacts-merge-cancel = Zrušit
contacts-merge-self = Kontakt nelze sloučit se sebou samým.
contacts-merge-confirm = Sloučení potvrďte zaškrtnutím políčka. Nic nebylo sloučeno.

## Saved views
views-saved = Uložená zobrazení
views-none = Zatím žádná: uložte seznam nebo hledání pomocí „Uložit jako zobrazení“.
views-save-as = Uložit jako zobrazení
views-name = Název zobrazení
views-name-placeholder = např. VIP fakturace
views-save = Uložit zobrazení
views-delete = Smazat zobrazení
views-not-found = Takové zobrazení neexistuje, nebo patří jinému agentovi.
views-bad-cursor = Tato stránka zobrazení už neplatí; otevřete zobrazení znovu od první stránky.
views-name-invalid = Pojmenujte zobrazení 1 až 100 znaky na jednom řádku.
views-name-taken = Zobrazení s názvem „{ $name }“ už máte. Zvolte jiný název.
views-cannot-save = Toto zobrazení nelze uložit: už máte 100 uložených zobrazení, nebo je jeho hledání příliš dlouhé.
views-tag-filter = se štítkem „{ $tag }“

## Attachments on a ticket
ticket-attachments = Přílohy
ticket-files = Soubory tohoto tiketu
ticket-download = Stáhnout { $name }
ticket-attach-files = Přiložit soubory
ticket-attach-hint = { $count ->
        [one] Nejvýše { $count } soubor
        [few] Nejvýše { $count } soubory
       *[other] Nejvýše { $count } souborů
    }, každý nejvýše { $limit }.
ticket-file-too-large = Soubor „{ $name }“ je větší než limit { $limit }. Nic nebylo odesláno: vyberte menší soubor a odešlete znovu. Váš text zůstal zachován.
ticket-files-too-large = Soubory jsou dohromady větší než limit { $limit }. Nic nebylo odesláno; váš text zůstal zachován.
ticket-file-empty = Soubor „{ $name }“ je prázdný. Nic nebylo odesláno; váš text zůstal zachován.
ticket-too-many-files = { $count ->
        [one] Nejvýše jeden soubor na zprávu.
        [few] Nejvýše { $count } soubory na zprávu.
       *[other] Nejvýše { $count } souborů na zprávu.
    } Nic nebylo odesláno; váš text zůstal zachován.
ticket-file-over-limit = Soubor „{ $name }“ je větší než limit { $limit }: vyberte menší soubor.
ticket-files-over-limit = Tyto soubory jsou dohromady větší než { $limit }: vyberte méně souborů nebo menší soubory.
ticket-over-file-count = { $count ->
        [one] Vyberte nejvýše jeden soubor.
        [few] Vyberte nejvýše { $count } soubory.
       *[other] Vyberte nejvýše { $count } souborů.
    }
ticket-upload-failed = Soubory se nepodařilo přijmout. Nic nebylo odesláno; zkuste to prosím znovu.
size-bytes = { $size } B
size-kb = { $size } kB
size-mb = { $size } MB

# language-name a profile-language* už jsou v locales/cs/panel.ftl.
contacts-consents = Souhlas v chatu
contacts-consent-given = { $when }: souhlas s verzí { $version } ({ $language }) z adresy { $ip }
contacts-export = Exportovat údaje
contacts-export-hint = Vše, co je o této osobě uloženo, včetně interních poznámek, jako jeden soubor JSON (žádost o přístup podle GDPR). Každý export se zapíše do auditního záznamu.
