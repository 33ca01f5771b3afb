# Klientu puse latviski (uzruna: „jūs“): publiskā tīmekļa veidlapa (/portal/new) un
# klientu portāls (/portal). Ids kā failā locales/en/portal.ftl.

portal-nav-label = Klientu portāls
portal-nav-requests = Mani pieteikumi
portal-nav-new = Jauns pieteikums
portal-nav-profile = Profils
portal-sign-in = Pierakstīties
portal-sign-out = Izrakstīties

## Fields
portal-field-name = Jūsu vārds
portal-field-email = E-pasts
portal-field-subject = Temats
portal-field-message = Ziņojums
# The honeypot: hidden from sight, read out by screen readers.
portal-field-trap = Atstājiet šo lauku tukšu

## The web form
portal-new-title = Sazināties ar { $account }
portal-new-intro = Pastāstiet, kas jums nepieciešams. Mēs atbildēsim pa e-pastu, un sava pieteikuma gaitai varēsiet sekot šeit.
portal-new-submit = Nosūtīt
portal-invalid-email = Ievadiet derīgu e-pasta adresi.
portal-invalid-name = Vārdā var būt ne vairāk kā 200 rakstzīmes.
portal-invalid-subject = Ievadiet vienas rindas tematu, ne garāku par 500 rakstzīmēm.
portal-invalid-message = Uzrakstiet ziņojumu (ne vairāk kā 50 000 rakstzīmes).
portal-invalid-fields = Daži lauki nav derīgi. Pārbaudiet tos un nosūtiet vēlreiz.
portal-thanks-title = Paldies
portal-thanks-text = Mēs saņēmām jūsu pieteikumu. Tā numurs:
portal-thanks-quote = Lūdzu, norādiet to, kad rakstāt mums par šo pieteikumu.
portal-thanks-follow = Skatīt savus pieteikumus
portal-thanks-sign-in = Pierakstieties, lai sekotu saviem pieteikumiem

## Refusals
portal-forbidden-title = Veidlapas derīgums ir beidzies
portal-form-expired = Šīs veidlapas derīgums ir beidzies, vai arī tā netika nosūtīta no šīs vietnes. Atveriet to vēlreiz un nosūtiet atkārtoti.
portal-too-many-title = Pārāk daudz pieprasījumu
portal-too-many =
    Īsā laikā esat nosūtījuši pārāk daudz pieprasījumu. Lūdzu, mēģiniet vēlreiz pēc { $minutes ->
        [zero] { $minutes } minūtēm
        [one] { $minutes } minūtes
       *[other] { $minutes } minūtēm
    }.

## Signing in
portal-login-title = Pierakstīšanās: { $account }
portal-login-intro = Ievadiet e-pasta adresi, no kuras mums rakstījāt. Mēs nosūtīsim jums pierakstīšanās saiti; parole nav vajadzīga.
portal-login-submit = Sūtīt man pierakstīšanās saiti
portal-login-sent-title = Pārbaudiet e-pastu
portal-login-sent = Ja adrese { $email } mums ir zināma, pierakstīšanās saite jau ir ceļā. Tā darbojas vienu reizi, 30 minūšu laikā.
portal-link-title = Pierakstīšanās
portal-link-text = Nospiediet pogu, lai pierakstītos { $account } klientu portālā.
portal-link-submit = Pierakstīties
portal-link-invalid-title = Šī saite nedarbojas
portal-link-invalid = Pierakstīšanās saite jau ir izmantota, tās derīgums ir beidzies, vai arī tā nav pilnīga.
portal-link-again = Pieprasīt jaunu saiti
portal-link-mail-subject = Jūsu pieteikšanās saite { $account }
portal-link-mail-intro = Labdien, jūs lūdzāt pieteikties { $account }. Atveriet šo saiti 30 minūšu laikā; tā darbojas vienu reizi:
portal-link-mail-outro = Ja jūs to nelūdzāt, neņemiet vērā šo e-pastu: bez saites nekas nenotiks.

## Requests
portal-requests-title = Mani pieteikumi
portal-requests-empty = Jums vēl nav neviena pieteikuma.
portal-col-subject = Temats
portal-col-status = Statuss
portal-col-updated = Pēdējās izmaiņas
portal-status-new = Saņemts
portal-status-open = Atvērts
portal-status-pending = Gaida jūsu atbildi
portal-status-resolved = Atrisināts
portal-status-spam = Slēgts
portal-status-trash = Slēgts
portal-back = Visi mani pieteikumi
portal-opened = izveidots { $when } (UTC)
portal-you = Jūs
portal-reply-label = Jūsu atbilde
portal-reply-submit = Nosūtīt atbildi
portal-reply-empty = Pirms nosūtīšanas kaut ko uzrakstiet.
portal-reply-invalid = Šo atbildi nevar nosūtīt; iespējams, tā ir pārāk gara.
portal-not-found-title = Pieteikums nav atrasts
portal-not-found = Starp jūsu pieteikumiem šāda pieteikuma nav.

## Profile
portal-profile-title = Jūsu profils
portal-profile-emails = Jūsu e-pasta adreses
portal-profile-phones = Tālruņa numuri
portal-profile-phones-hint = Viens numurs katrā rindā.
portal-profile-save = Saglabāt
portal-profile-saved = Saglabāts.
portal-profile-invalid = Vārds vai tālruņa numurs ir pārāk garš vai satur vadības rakstzīmes.
portal-profile-data = Jūsu dati
portal-profile-data-hint = Lejupielādējiet visu, ko šis palīdzības dienests par jums glabā — jūsu profilu, no kurienes sazinājāties, jūsu piekrišanas tērzēšanā un jūsu pieprasījumus ar to ziņām — vienā JSON failā.
portal-profile-download = Lejupielādēt manus datus
