# Panel pro agenty česky (vykání). Ids jako v locales/en/panel.ftl.

## Shared
form-expired = Platnost formuláře vypršela nebo formulář pochází odjinud. Zkuste to prosím znovu.
back-to-profile = Zpět na váš profil

## Sign in
login-page-title = Přihlášení
login-title = Přihlášení k účtu { $account }
field-email = E-mail
field-password = Heslo
login-submit = Přihlásit se
login-with-key = Přihlásit se raději bezpečnostním klíčem
login-wrong = Nesprávný e-mail nebo heslo.
login-throttled =
    Příliš mnoho neúspěšných pokusů. Zkuste to znovu za { $seconds ->
        [one] { $seconds } sekundu
        [few] { $seconds } sekundy
        [many] { $seconds } sekundy
       *[other] { $seconds } sekund
    }.

## The second step of signing in
second-step-title = Dvoufázové ověření
second-step-signing-in-as = Přihlašujete se jako { $email }.
second-step-code-label = Kód z ověřovací aplikace nebo záložní kód
second-step-verify = Ověřit
second-step-use-key = Použít bezpečnostní klíč
second-step-start-over = Začít znovu
second-step-wrong-code = Tento kód je nesprávný, vypršel nebo už byl použit.

## Refused by the account's network allowlist
blocked-title = Odsud není k dispozici
blocked-text = Panel pro agenty účtu { $account } není z vaší adresy { $ip } dostupný.
blocked-hint = Požádejte vlastníka účtu, aby vaši síť povolil, nebo se připojte přes povolenou síť.

## Navigation
nav-profile = Profil
nav-tokens = API tokeny
nav-agents = Agenti
nav-security = Zabezpečení
nav-audit = Protokol auditu

## Profile
profile-two-step = Dvoufázové ověření
profile-two-step-link = Ověřovací aplikace, záložní kódy a bezpečnostní klíče
profile-sessions = Relace
profile-session-line = { $ip } · { $agent } · naposledy aktivní { $seen }
profile-this-session = tato relace
profile-end-others = Odhlásit ostatní relace
profile-change-password = Změna hesla
field-current-password = Současné heslo
field-new-password = Nové heslo
profile-change-password-submit = Změnit heslo
profile-sign-out = Odhlásit se
profile-password-changed = Heslo bylo změněno. Vaše ostatní relace byly odhlášeny.
profile-current-wrong = Současné heslo je nesprávné.
# The English message appends an English-only reason ({ $why }); it is left out here.
profile-new-weak = Toto heslo nelze použít: musí mít alespoň 12 znaků (nejvýše 1024 bajtů) a nesmí patřit mezi běžně používaná hesla.

## Two-step verification settings
twostep-title = Dvoufázové ověření
twostep-must-enrol = Tento účet vyžaduje dvoufázové ověření. Chcete-li pokračovat, nastavte si ověřovací aplikaci nebo bezpečnostní klíč.
twostep-app = Ověřovací aplikace
twostep-app-on =
    Zapnuto. { $left ->
        [0] Nezbývá vám žádný nepoužitý záložní kód.
        [one] Zbývá vám { $left } nepoužitý záložní kód.
        [few] Zbývají vám { $left } nepoužité záložní kódy.
        [many] Zbývá vám { $left } nepoužitého záložního kódu.
       *[other] Zbývá vám { $left } nepoužitých záložních kódů.
    }
twostep-current-code = Aktuální kód
twostep-new-codes = Vygenerovat nové záložní kódy
twostep-code-or-recovery = Aktuální kód nebo záložní kód
twostep-turn-off = Vypnout ověřovací aplikaci
twostep-app-off = Vypnuto. Použijte Google Authenticator, Aegis, 1Password nebo jinou ověřovací aplikaci.
twostep-set-up = Nastavit ověřovací aplikaci
twostep-app-turned-off = Ověřovací aplikace je vypnutá.
twostep-wrong-code = Kód je nesprávný, vypršel nebo už byl použit.
twostep-required = Tento účet vyžaduje dvoufázové ověření: přidejte další bezpečnostní klíč, nebo si aplikaci ponechte.
twostep-not-enabled = Ověřovací aplikace není zapnutá.
twostep-keys = Bezpečnostní klíče a přístupové klíče
twostep-keys-intro = Bezpečnostní klíč (například YubiKey) nebo přístupový klíč v tomto zařízení může nahradit kód, nebo vás dokonce přihlásit bez hesla.
twostep-keys-none = Zatím žádné.
twostep-key-added = přidán { $when }
twostep-key-used = naposledy použit { $when }
twostep-key-remove = Odebrat
twostep-key-name = Název nového klíče
twostep-key-placeholder = YubiKey na svazku klíčů
twostep-add-key = Přidat bezpečnostní klíč
enrol-title = Nastavení ověřovací aplikace
enrol-scan = Naskenujte tento QR kód ověřovací aplikací.
enrol-type = Nebo tento klíč zadejte ručně:
enrol-enter = Zadejte šestimístný kód, který aplikace zobrazuje.
enrol-qr-label = QR kód pro ověřovací aplikaci
enrol-code = Kód
enrol-turn-on = Zapnout
enrol-wrong = Tento kód je nesprávný nebo vypršel. Zkuste následující.
recovery-title = Vaše záložní kódy
recovery-on = Dvoufázové ověření je zapnuté.
recovery-explain = Pokud ztratíte telefon, můžete se každým kódem jednou přihlásit. Uložte si je na bezpečné místo: zobrazují se jen teď.
recovery-saved = Kódy mám uložené

## Roles
role-owner = Vlastník
role-admin = Správce
role-agent = Agent

## Agents
agents-title = Agenti
agents-name = Jméno
agents-email = E-mail
agents-role = Role
agents-two-step = Dvoufázové ověření
agents-actions = Akce
agents-on = zapnuto
agents-off = vypnuto
agents-change-role = Změnit roli
agents-confirm = Potvrzuji
agents-confirm-needed = Chcete-li někoho smazat, zaškrtněte „Potvrzuji“.
agents-delete = Smazat
agents-reset-two-step = Resetovat dvoufázové ověření
agents-invitations = Pozvánky
agents-no-invitations = Žádné otevřené pozvánky.
agents-expires = platnost do { $when }
agents-revoke = Zrušit
agents-invite = Pozvat dalšího člověka
agents-send-invitation = Vytvořit odkaz s pozvánkou
agents-invited = Pozvánka pro { $email } byla vytvořena. Pošlete pozvanému tento odkaz; funguje jen jednou a platí sedm dní:
agents-role-changed = Osoba { $name } má novou roli. Její relace byly ukončeny.
agents-deleted = Osoba { $name } byla smazána: profil, heslo, relace i tokeny byly odstraněny.
agents-two-step-reset = Dvoufázové ověření osoby { $name } bylo resetováno; její relace byly ukončeny.
agents-invitation-revoked = Pozvánka byla zrušena; její odkaz už nefunguje.

## Accepting an invitation
invite-title = Připojit se k účtu { $account }
invite-as = Pozvánka platí pro { $email } (role: { $role }).
invite-password-hint = Alespoň 12 znaků; běžně používaná hesla nejsou povolena.
invite-join = Připojit se
invite-invalid-title = Tato pozvánka není platná
invite-invalid = Odkaz je nesprávný, už byl použit, byl zrušen nebo vypršel. Požádejte o novou pozvánku.

## Account security
security-title = Zabezpečení
security-two-step = Dvoufázové ověření
security-require-two-step = Vyžadovat dvoufázové ověření u všech uživatelů tohoto účtu
security-require-hint = Kdo ho nemá, bude při zobrazení další stránky vyzván k jeho nastavení a nebude už moci používat API se svým heslem (API tokeny budou fungovat dál).
security-save = Uložit
security-two-step-required = Dvoufázové ověření je nyní povinné pro všechny.
security-two-step-optional = Dvoufázové ověření je nyní volitelné.
security-networks = Povolené sítě
security-networks-intro = Jedna adresa nebo síť na řádek (IPv4 nebo IPv6, např. 192.0.2.0/24). Prázdný seznam povoluje všechny adresy. Nepovolené adresy jsou odmítnuty ještě před přihlášením.
security-your-address = Vaše aktuální adresa: { $ip }. Seznam, který by ji vylučoval, nelze uložit.
security-panel-networks = Panel pro agenty
security-api-networks = API
security-everywhere = odkudkoli
security-owner-only = Tyto seznamy může měnit pouze vlastník účtu.
security-networks-saved = Povolené sítě byly uloženy.
security-lockouts = Zablokovaná přihlášení
security-no-lockouts = Momentálně není zablokován žádný e-mail.
security-locked-for =
    { $failures ->
        [one] { $failures } neúspěšný pokus
        [few] { $failures } neúspěšné pokusy
        [many] { $failures } neúspěšného pokusu
       *[other] { $failures } neúspěšných pokusů
    }, zablokováno ještě na { $minutes ->
        [one] { $minutes } minutu
        [few] { $minutes } minuty
        [many] { $minutes } minuty
       *[other] { $minutes } minut
    }
security-would-lock-out = Neuloženo: vaše adresa { $ip } není v novém seznamu „{ $list }“, takže by vám změna zablokovala přístup. Nejprve do seznamu přidejte ji nebo síť, která ji obsahuje.
security-invalid-network = Neuloženo: „{ $entry }“ není IP adresa ani síť (např. 192.0.2.0/24 nebo 2001:db8::/32).
security-list-panel = Panel pro agenty
security-list-api = API

## The language's own name, in the language chooser
language-name = Čeština
profile-language = Jazyk
profile-language-browser = Podle nastavení prohlížeče
profile-language-save = Uložit jazyk
error-page-home = Zpět na úvodní stránku
