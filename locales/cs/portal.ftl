# Zákaznická strana česky (vykání): veřejný webový formulář (/portal/new) a zákaznický
# portál (/portal). Ids jako v locales/en/portal.ftl.

portal-nav-label = Zákaznický portál
portal-nav-requests = Moje požadavky
portal-nav-new = Nový požadavek
portal-nav-profile = Profil
portal-sign-in = Přihlásit se
portal-sign-out = Odhlásit se

## Fields
portal-field-name = Vaše jméno
portal-field-email = E-mail
portal-field-subject = Předmět
portal-field-message = Zpráva
# The honeypot: hidden from sight, read out by screen readers.
portal-field-trap = Toto pole nechte prázdné

## The web form
portal-new-title = Zpráva pro { $account }
portal-new-intro = Napište nám, co potřebujete. Odpovíme e-mailem a svůj požadavek můžete sledovat zde.
portal-new-submit = Odeslat
portal-invalid-email = Zadejte platnou e-mailovou adresu.
portal-invalid-name = Jméno může mít nejvýše 200 znaků.
portal-invalid-subject = Zadejte předmět na jeden řádek, nejvýše 500 znaků.
portal-invalid-message = Napište zprávu (nejvýše 50 000 znaků).
portal-invalid-fields = Některá pole nejsou vyplněna správně. Zkontrolujte je a odešlete formulář znovu.
portal-thanks-title = Děkujeme
portal-thanks-text = Váš požadavek jsme přijali. Jeho číslo:
portal-thanks-quote = Když nám budete o tomto požadavku psát, uveďte ho prosím.
portal-thanks-follow = Zobrazit vaše požadavky
portal-thanks-sign-in = Přihlaste se a sledujte své požadavky

## Refusals
portal-forbidden-title = Platnost formuláře vypršela
portal-form-expired = Platnost tohoto formuláře vypršela, nebo nebyl odeslán z tohoto webu. Otevřete ho znovu a odešlete ještě jednou.
portal-too-many-title = Příliš mnoho požadavků
portal-too-many =
    Během krátké doby jsme od vás dostali příliš mnoho požadavků. Zkuste to prosím znovu za { $minutes ->
        [one] minutu
        [few] { $minutes } minuty
        [many] { $minutes } minuty
       *[other] { $minutes } minut
    }.

## Signing in
portal-login-title = Přihlášení – { $account }
portal-login-intro = Zadejte e-mailovou adresu, ze které nám píšete. Pošleme vám odkaz pro přihlášení; heslo není potřeba.
portal-login-submit = Poslat odkaz pro přihlášení
portal-login-sent-title = Zkontrolujte e-mail
portal-login-sent = Pokud adresu { $email } známe, odkaz pro přihlášení je na cestě. Funguje jen jednou, a to do 30 minut.
portal-link-title = Přihlášení
portal-link-text = Stisknutím tlačítka se přihlásíte do zákaznického portálu { $account }.
portal-link-submit = Přihlásit se
portal-link-invalid-title = Tento odkaz nefunguje
portal-link-invalid = Odkaz pro přihlášení už byl použit, vypršel nebo není úplný.
portal-link-again = Požádat o nový odkaz
portal-link-mail-subject = Váš odkaz pro přihlášení do { $account }
portal-link-mail-intro = Dobrý den, požádali jste o přihlášení do { $account }. Otevřete tento odkaz do 30 minut; funguje jednou:
portal-link-mail-outro = Pokud jste o něj nežádali, tento e-mail ignorujte: bez odkazu se nic nestane.

## Requests
portal-requests-title = Moje požadavky
portal-requests-empty = Zatím nemáte žádné požadavky.
portal-col-subject = Předmět
portal-col-status = Stav
portal-col-updated = Poslední změna
portal-status-new = Přijato
portal-status-open = Otevřeno
portal-status-pending = Čeká na vaši odpověď
portal-status-resolved = Vyřešeno
portal-status-spam = Uzavřeno
portal-status-trash = Uzavřeno
portal-back = Všechny moje požadavky
portal-opened = vytvořen { $when } (UTC)
portal-you = Vy
portal-reply-label = Vaše odpověď
portal-reply-submit = Odeslat odpověď
portal-reply-empty = Před odesláním něco napište.
portal-reply-invalid = Tuto odpověď nelze odeslat; možná je příliš dlouhá.
portal-not-found-title = Požadavek nenalezen
portal-not-found = Mezi vašimi požadavky žádný takový není.

## Profile
portal-profile-title = Váš profil
portal-profile-emails = Vaše e-mailové adresy
portal-profile-phones = Telefonní čísla
portal-profile-phones-hint = Jedno číslo na řádek.
portal-profile-save = Uložit
portal-profile-saved = Uloženo.
portal-profile-invalid = Jméno nebo telefonní číslo je příliš dlouhé nebo obsahuje řídicí znaky.
portal-profile-data = Vaše údaje
portal-profile-data-hint = Stáhněte si vše, co o vás tento helpdesk uchovává – váš profil, odkud jste nás kontaktovali, vaše souhlasy v chatu a vaše požadavky s jejich zprávami – jako jeden soubor JSON.
portal-profile-download = Stáhnout moje údaje
