# Aģentu panelis latviski (uzruna: „jūs“). Ids kā failā locales/en/panel.ftl.

## Shared
form-expired = Šīs veidlapas derīgums ir beidzies, vai tā nāk no citas vietnes. Lūdzu, mēģiniet vēlreiz.
back-to-profile = Atpakaļ uz profilu

## Sign in
login-page-title = Pierakstīšanās
login-title = Pierakstīties kontā { $account }
field-email = E-pasts
field-password = Parole
login-submit = Pierakstīties
login-with-key = Pierakstīties ar drošības atslēgu
login-wrong = Nepareizs e-pasts vai parole.
login-throttled =
    Pārāk daudz neveiksmīgu mēģinājumu. Mēģiniet vēlreiz pēc { $seconds ->
        [zero] { $seconds } sekundēm
        [one] { $seconds } sekundes
       *[other] { $seconds } sekundēm
    }.

## The second step of signing in
second-step-title = Divpakāpju verifikācija
second-step-signing-in-as = Jūs pierakstāties kā { $email }.
second-step-code-label = Kods no autentifikatora lietotnes vai atkopšanas kods
second-step-verify = Verificēt
second-step-use-key = Izmantot drošības atslēgu
second-step-start-over = Sākt no jauna
second-step-wrong-code = Šis kods ir nepareizs, novecojis vai jau izmantots.

## Refused by the account's network allowlist
blocked-title = No šejienes nav pieejams
blocked-text = Konta { $account } aģentu panelis nav pieejams no jūsu adreses { $ip }.
blocked-hint = Lūdziet konta īpašniekam atļaut jūsu tīklu vai izveidojiet savienojumu, izmantojot atļautu tīklu.

## Navigation
nav-profile = Profils
nav-tokens = API marķieri
nav-agents = Aģenti
nav-security = Drošība
nav-audit = Audita žurnāls

## Profile
profile-two-step = Divpakāpju verifikācija
profile-two-step-link = Autentifikatora lietotne, atkopšanas kodi un drošības atslēgas
profile-sessions = Sesijas
profile-session-line = { $ip } · { $agent } · pēdējoreiz aktīva { $seen }
profile-this-session = šī sesija
profile-end-others = Beigt pārējās sesijas
profile-change-password = Paroles maiņa
field-current-password = Pašreizējā parole
field-new-password = Jaunā parole
profile-change-password-submit = Mainīt paroli
profile-sign-out = Izrakstīties
profile-password-changed = Parole ir nomainīta. Jūsu pārējās sesijas tika beigtas.
profile-current-wrong = Pašreizējā parole ir nepareiza.
# The English message appends an English-only reason ({ $why }); it is left out here.
profile-new-weak = Šo paroli nevar izmantot: tajā jābūt vismaz 12 rakstzīmēm (ne vairāk kā 1024 baitiem), un tā nedrīkst būt bieži lietota parole.

## Two-step verification settings
twostep-title = Divpakāpju verifikācija
twostep-must-enrol = Šajā kontā divpakāpju verifikācija ir obligāta. Lai turpinātu, iestatiet autentifikatora lietotni vai drošības atslēgu.
twostep-app = Autentifikatora lietotne
twostep-app-on =
    Ieslēgta. { $left ->
        [0] Neizmantotu atkopšanas kodu vairs nav.
        [zero] Atlikuši { $left } neizmantoti atkopšanas kodi.
        [one] Atlicis { $left } neizmantots atkopšanas kods.
       *[other] Atlikuši { $left } neizmantoti atkopšanas kodi.
    }
twostep-current-code = Pašreizējais kods
twostep-new-codes = Iegūt jaunus atkopšanas kodus
twostep-code-or-recovery = Pašreizējais kods vai atkopšanas kods
twostep-turn-off = Izslēgt autentifikatora lietotni
twostep-app-off = Izslēgta. Izmantojiet Google Authenticator, Aegis, 1Password vai jebkuru citu autentifikatora lietotni.
twostep-set-up = Iestatīt autentifikatora lietotni
twostep-app-turned-off = Autentifikatora lietotne ir izslēgta.
twostep-wrong-code = Kods ir nepareizs, novecojis vai jau izmantots.
twostep-required = Šajā kontā divpakāpju verifikācija ir obligāta: pievienojiet vēl vienu drošības atslēgu vai paturiet lietotni.
twostep-not-enabled = Autentifikatora lietotne nav ieslēgta.
twostep-keys = Drošības atslēgas un piekļuves atslēgas
twostep-keys-intro = Drošības atslēga (piemēram, YubiKey) vai piekļuves atslēga šajā ierīcē var aizstāt kodu vai ļaut jums pierakstīties bez paroles.
twostep-keys-none = Vēl nav nevienas.
twostep-key-added = pievienota { $when }
twostep-key-used = pēdējoreiz izmantota { $when }
twostep-key-remove = Noņemt
twostep-key-name = Jaunās atslēgas nosaukums
twostep-key-placeholder = YubiKey pie atslēgu saišķa
twostep-add-key = Pievienot drošības atslēgu
enrol-title = Autentifikatora lietotnes iestatīšana
enrol-scan = Noskenējiet šo QR kodu ar savu autentifikatora lietotni.
enrol-type = Vai arī ievadiet šo atslēgu manuāli:
enrol-enter = Ievadiet 6 ciparu kodu, ko rāda lietotne.
enrol-qr-label = QR kods jūsu autentifikatora lietotnei
enrol-code = Kods
enrol-turn-on = Ieslēgt
enrol-wrong = Šis kods ir nepareizs vai novecojis. Mēģiniet ar nākamo.
recovery-title = Jūsu atkopšanas kodi
recovery-on = Divpakāpju verifikācija ir ieslēgta.
recovery-explain = Ja pazaudēsiet tālruni, ar katru kodu varēsiet vienu reizi pierakstīties. Glabājiet tos drošā vietā: tie tiek parādīti tikai tagad.
recovery-saved = Kodi ir saglabāti

## Roles
role-owner = Īpašnieks
role-admin = Administrators
role-agent = Aģents

## Agents
agents-title = Aģenti
agents-name = Vārds
agents-email = E-pasts
agents-role = Loma
agents-two-step = Divpakāpju verifikācija
agents-actions = Darbības
agents-on = ieslēgta
agents-off = izslēgta
agents-change-role = Mainīt lomu
agents-confirm = Apstiprinu
agents-confirm-needed = Lai kādu dzēstu, atzīmējiet „Apstiprinu“.
agents-delete = Dzēst
agents-reset-two-step = Atiestatīt divpakāpju verifikāciju
agents-invitations = Ielūgumi
agents-no-invitations = Nav neviena atvērta ielūguma.
agents-expires = derīgs līdz { $when }
agents-revoke = Atsaukt
agents-invite = Uzaicināt kādu
agents-send-invitation = Izveidot ielūguma saiti
agents-invited = Ielūgums adresei { $email } ir izveidots. Nosūtiet uzaicinātajai personai šo saiti; to var izmantot vienu reizi septiņu dienu laikā:
agents-role-changed = Personai { $name } ir jauna loma. Tās sesijas tika beigtas.
agents-deleted = Persona { $name } ir dzēsta: profils, parole, sesijas un marķieri ir izdzēsti.
agents-two-step-reset = Personas { $name } divpakāpju verifikācija ir atiestatīta; tās sesijas tika beigtas.
agents-invitation-revoked = Ielūgums ir atsaukts; tā saite vairs nedarbojas.

## Accepting an invitation
invite-title = Pievienoties kontam { $account }
invite-as = Jūs esat uzaicināti kā { $email } ({ $role }).
invite-password-hint = Vismaz 12 rakstzīmes; bieži lietotas paroles netiek pieņemtas.
invite-join = Pievienoties
invite-invalid-title = Šis ielūgums nav derīgs
invite-invalid = Saite ir nepareiza, jau izmantota, atsaukta vai arī tās derīgums ir beidzies. Palūdziet jaunu ielūgumu.

## Account security
security-title = Drošība
security-two-step = Divpakāpju verifikācija
security-require-two-step = Pieprasīt divpakāpju verifikāciju visiem šī konta lietotājiem
security-require-hint = Tiem, kam tās nav, nākamajā lapas skatījumā tiks lūgts to iestatīt, un viņi vairs nevarēs izmantot API ar paroli (API marķieri turpinās darboties).
security-save = Saglabāt
security-two-step-required = Divpakāpju verifikācija tagad ir obligāta visiem.
security-two-step-optional = Divpakāpju verifikācija tagad nav obligāta.
security-networks = Atļautie tīkli
security-networks-intro = Viena adrese vai tīkls katrā rindā (IPv4 vai IPv6, piemēram, 192.0.2.0/24). Tukšs saraksts atļauj visas adreses. Neatļautas adreses tiek noraidītas, pirms kāds pierakstās.
security-your-address = Jūsu pašreizējā adrese: { $ip }. Saraksts, kas to izslēgtu, netiek pieņemts.
security-panel-networks = Aģentu panelis
security-api-networks = API
security-everywhere = no jebkuras vietas
security-owner-only = Šos sarakstus var mainīt tikai konta īpašnieks.
security-networks-saved = Atļautie tīkli ir saglabāti.
security-lockouts = Bloķētas pierakstīšanās
security-no-lockouts = Pašlaik neviens e-pasts nav bloķēts.
security-locked-for =
    { $failures ->
        [zero] { $failures } neveiksmīgi mēģinājumi
        [one] { $failures } neveiksmīgs mēģinājums
       *[other] { $failures } neveiksmīgi mēģinājumi
    }, bloķēts vēl { $minutes ->
        [zero] { $minutes } minūtes
        [one] { $minutes } minūti
       *[other] { $minutes } minūtes
    }
security-would-lock-out = Nav saglabāts: jūsu adreses { $ip } nav jaunajā sarakstā „{ $list }“, tāpēc šīs izmaiņas liegtu jums piekļuvi. Vispirms pievienojiet to vai tīklu, kurā tā ietilpst.
security-invalid-network = Nav saglabāts: „{ $entry }“ nav ne IP adrese, ne tīkls (piemēram, 192.0.2.0/24 vai 2001:db8::/32).
security-list-panel = Aģentu panelis
security-list-api = API

## The language's own name, in the language chooser
language-name = Latviešu
profile-language = Valoda
profile-language-browser = Kā iestatīts pārlūkā
profile-language-save = Saglabāt valodu
error-page-home = Atpakaļ uz sākumlapu
