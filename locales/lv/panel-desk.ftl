# Aģentu darba vieta latviski (uzruna: „jūs“): pieteikumu saraksti, pieteikums,
# kontakti. Ids kā failā locales/en/panel-desk.ftl.

nav-tickets = Pieteikumi
nav-contacts = Kontakti

## Views
desk-views = Skati
desk-search = Meklēt pieteikumus
desk-search-placeholder = Meklēt pieteikumus… (/)
desk-shortcuts = Īsinājumtaustiņi
shortcut-search = meklēt
shortcut-move = nākamais / iepriekšējais pieteikums
shortcut-open = atvērt atlasīto pieteikumu
shortcut-reply = rakstīt atbildi
shortcut-back = atpakaļ uz sarakstu
desk-empty = Šeit nav neviena pieteikuma.
desk-older = Vecāki
desk-col-subject = Temats
desk-col-contact = Kontakts
desk-col-status = Statuss
desk-col-priority = Prioritāte
desk-col-assignee = Atbildīgais
desk-col-updated = Atjaunināts
view-mine = Mani atvērtie pieteikumi
view-unassigned = Nepiešķirtie
view-open = Atvērtie
view-pending = Gaidošie
view-resolved = Atrisinātie
view-spam = Surogātpasts
view-trash = Miskaste
view-all = Visi pieteikumi

## Values
status-new = Jauns
status-open = Atvērts
status-pending = Gaida
status-resolved = Atrisināts
status-spam = Surogātpasts
status-trash = Miskastē
priority-low = Zema
priority-normal = Parasta
priority-high = Augsta
priority-urgent = Steidzama
channel-email = E-pasts
channel-chat = Tērzēšana
channel-web = Tīmekļa veidlapa
channel-api = API
channel-phone = Tālrunis

## A ticket
ticket-back = Pieteikumi
ticket-not-found = Šāda pieteikuma nav, vai arī tas pieder nodaļai, kurā jūs neesat.
ticket-opened = izveidots { $when }
ticket-internal-note = Iekšēja piezīme
ticket-reply-label = Atbildiet klientam vai uzrakstiet iekšēju piezīmi
ticket-send-reply = Nosūtīt atbildi
ticket-add-note = Pievienot iekšēju piezīmi
ticket-empty-message = Vispirms kaut ko uzrakstiet.
ticket-history = Vēsture
ticket-unassigned = Nav piešķirts
ticket-tags = Birkas
ticket-save = Saglabāt
ticket-other-tickets = Šī kontakta pieteikumi

## Contacts
contacts-title = Kontakti
contacts-find-email = Meklēt pēc e-pasta
contacts-find = Meklēt
contacts-none = Vēl nav neviena kontakta.
contacts-not-found = Šāda kontakta nav.
contacts-company = Uzņēmums
contacts-since = Kontakts kopš
contacts-phones = Tālrunis
contacts-address = Adrese
contacts-tickets = Pieteikumi

## Editing and merging a contact
contacts-edit = Labot datus
contacts-emails = E-pasta adreses
contacts-emails-hint = Viena adrese katrā rindā.
contacts-phones-hint = Viens numurs katrā rindā.
contacts-custom = Pielāgotie lauki
contacts-custom-key = Lauks
contacts-custom-value = Vērtība
contacts-custom-hint = Iztukšojiet vērtību, lai noņemtu lauku. Skaitļi, jā/nē vērtības un saraksti saglabā savu tipu (rakstīti kā JSON).
contacts-save = Saglabāt datus
contacts-saved = Saglabāts.
contacts-merged = Apvienots: otra kontakta e-pasta adreses, tālruņa numuri un pieteikumi tagad ir šeit.
contacts-invalid-email = “{ $email }” nav derīga e-pasta adrese. Nekas netika saglabāts.
contacts-email-taken = { $email } jau pieder citam kontaktam. Nekas netika saglabāts.
contacts-email-taken-merge = Apvienot šo kontaktu ar šo
contacts-invalid-field = Kāds lauks ir pārāk garš (ne vairāk kā 1000 rakstzīmju; pielāgotie lauki kopā ne vairāk kā 16 KB), vai arī norādīts vairāk nekā 20 e-pasta adrešu vai tālruņa numuru. Nekas netika saglabāts.
contacts-custom-invalid = Pielāgotajā laukā “{ $key }” ir skaitlis, jā/nē vērtība vai saraksts: rakstiet to kā JSON (piemēram, 42, true vai ["a", "b"]). Nekas netika saglabāts.
contacts-merge-title = Apvienot dublikātu ar šo kontaktu
contacts-merge-hint = Atrodiet otru kontaktu pēc e-pasta adreses vai vārda daļas.
contacts-merge-find = E-pasts vai vārds
contacts-merge-none = Neviens cits kontakts neatbilst.
contacts-merge-choose = Apvienot…
contacts-merge-not-found = Šāda kontakta (vairs) nav.
contacts-merge-question = Apvienot { $other } ar { $this }?
contacts-merge-moves = { $tickets ->
        [one] Viņa e-pasta adreses ({ $emails }), tālruņa numuri un { $tickets } pieteikums pāriet šeit.
       *[other] Viņa e-pasta adreses ({ $emails }), tālruņa numuri un pieteikumi ({ $tickets }) pāriet šeit.
    }
contacts-merge-fills = Šeit tukšie lauki pārņem viņa vērtības; pielāgotie lauki tiek apvienoti.
contacts-merge-removes = Pēc tam { $other } tiek dzēsts. To nevar atsaukt.
contacts-merge-understand = Es saprotu, ka to nevar atsaukt.
contacts-merge-button = Apvienot kontaktus
contacts-merge-cancel = Atcelt
contacts-merge-self = Kontaktu nevar apvienot pašu ar sevi.
contacts-merge-confirm = Atzīmējiet izvēles rūtiņu, lai apstiprinātu apvienošanu. Nekas netika apvienots.

## Saved views
views-saved = Saglabātie skati
views-none = Vēl nav: saglabājiet sarakstu vai meklēšanu ar “Saglabāt kā skatu”.
views-save-as = Saglabāt kā skatu
views-name = Skata nosaukums
views-name-placeholder = piem., VIP rēķini
views-save = Saglabāt skatu
views-delete = Dzēst skatu
views-not-found = Šāda skata nav, vai arī tas pieder citam aģentam.
views-bad-cursor = Šī skata lapa vairs nav derīga; atveriet skatu vēlreiz no pirmās lapas.
views-name-invalid = Piešķiriet skatam nosaukumu no 1 līdz 100 rakstzīmēm vienā rindā.
views-name-taken = Jums jau ir skats ar nosaukumu “{ $name }”. Izvēlieties citu nosaukumu.
views-cannot-save = Šo skatu nevar saglabāt: jums jau ir 100 saglabātu skatu, vai arī tā meklēšana ir pārāk gara.
views-tag-filter = ar birku “{ $tag }”

## Attachments on a ticket
ticket-attachments = Pielikumi
ticket-files = Šī pieteikuma datnes
ticket-download = Lejupielādēt { $name }
ticket-attach-files = Pievienot datnes
ticket-attach-hint = { $count ->
        [one] Ne vairāk kā { $count } datne
       *[other] Ne vairāk kā { $count } datnes
    }, katra ne lielāka par { $limit }.
ticket-file-too-large = “{ $name }” ir lielāka par ierobežojumu { $limit }. Nekas netika nosūtīts: izvēlieties mazāku datni un nosūtiet vēlreiz. Jūsu teksts ir saglabāts.
ticket-files-too-large = Datnes kopā ir lielākas par ierobežojumu { $limit }. Nekas netika nosūtīts; jūsu teksts ir saglabāts.
ticket-file-empty = “{ $name }” ir tukša. Nekas netika nosūtīts; jūsu teksts ir saglabāts.
ticket-too-many-files = { $count ->
        [one] Ne vairāk kā viena datne vienā ziņojumā.
       *[other] Ne vairāk kā { $count } datnes vienā ziņojumā.
    } Nekas netika nosūtīts; jūsu teksts ir saglabāts.
ticket-file-over-limit = “{ $name }” ir lielāka par ierobežojumu { $limit }: izvēlieties mazāku datni.
ticket-files-over-limit = Šīs datnes kopā ir lielākas par { $limit }: izvēlieties mazāk datņu vai mazākas datnes.
ticket-over-file-count = { $count ->
        [one] Izvēlieties ne vairāk kā vienu datni.
       *[other] Izvēlieties ne vairāk kā { $count } datnes.
    }
ticket-upload-failed = Datnes neizdevās saņemt. Nekas netika nosūtīts; lūdzu, mēģiniet vēlreiz.
size-bytes = { $size } B
size-kb = { $size } KB
size-mb = { $size } MB

# language-name un profile-language* jau ir failā locales/lv/panel.ftl.
contacts-consents = Piekrišana tērzēšanā
contacts-consent-given = { $when }: piekrita versijai { $version } ({ $language }) no { $ip }
contacts-export = Eksportēt datus
contacts-export-hint = Viss, kas par šo personu tiek glabāts, ieskaitot iekšējās piezīmes, vienā JSON failā (VDAR piekļuves pieprasījums). Katrs eksports tiek ierakstīts audita žurnālā.
