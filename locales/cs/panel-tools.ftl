# Nástroje panelu pro agenty: API tokeny a protokol auditu. Ids jako v
# locales/en/panel-tools.ftl.

## API tokens (/agent/tokens)
tokens-title = API tokeny
tokens-intro = Token umožňuje skriptu nebo integraci používat API vaším jménem. Posílejte ho v hlavičce Authorization: Bearer, za kterou následuje samotný token.
tokens-yours = Vaše tokeny
tokens-none = Nemáte žádné tokeny.
tokens-col-name = Název
tokens-col-scopes = Oprávnění
tokens-col-created = Vytvořen
tokens-col-expires = Platnost do
tokens-col-last-used = Naposledy použit
tokens-col-actions = Akce
tokens-never-expires = neomezeně
tokens-never-used = nikdy
tokens-expired = platnost vypršela
tokens-revoke = Zrušit
tokens-revoke-label = Zrušit token { $name }
tokens-create = Vytvořit token
tokens-field-name = Název
tokens-name-placeholder = Noční exportní skript
tokens-field-scopes = Oprávnění
tokens-scope-read = Čtení: čtení tiketů, osob a nastavení
tokens-scope-write = Zápis: změny všeho, co smíte měnit vy sami
tokens-scope-admin = Správa: správa osob a nastavení zabezpečení
tokens-field-expiry = Platnost (ve dnech)
tokens-expiry-hint = 1 až 3650 dní. Ponechte prázdné pro token s neomezenou platností.
tokens-create-submit = Vytvořit token
tokens-created = Token „{ $name }“ byl vytvořen.
tokens-copy-now = Zkopírujte si ho hned: znovu se už nezobrazí.
tokens-new-token-label = Nový token
tokens-revoked = Token „{ $name }“ byl zrušen. Už nefunguje.
tokens-not-found = Tento token neexistuje nebo už byl zrušen.
tokens-error-name = Název musí mít 1 až 100 znaků.
tokens-error-expiry = Platnost musí být celý počet dní od 1 do 3650, nebo zůstat prázdná.
tokens-error-no-scope = Vyberte alespoň jedno oprávnění.
tokens-error-scope = Toto oprávnění nelze udělit.
tokens-error-admin = Tokeny s oprávněním Správa mohou vytvářet pouze vlastníci a správci.

## Audit log (/agent/audit)
audit-title = Protokol auditu
audit-intro = Kdo co v tomto účtu udělal, od nejnovějších záznamů. Záznamy nelze měnit.
audit-filter = Filtr
audit-field-action = Akce
audit-action-hint = Akce, například token.created, nebo skupina akcí, například login nebo 2fa.
audit-field-actor = Původce (e-mail, cli nebo system)
audit-field-from = Od
audit-field-to = Do
audit-filter-submit = Zobrazit
audit-filter-clear = Zobrazit vše
audit-download-csv = Stáhnout jako CSV
audit-col-time = Čas
audit-col-actor = Původce
audit-col-action = Akce
audit-col-target = Cíl
audit-col-ip = IP adresa
audit-col-detail = Podrobnosti
audit-none = Žádné záznamy.
audit-none-filtered = Tomuto filtru neodpovídají žádné záznamy.
audit-older = Starší záznamy
audit-newest = Nejnovější záznamy
audit-showing-action = Zobrazeny jsou pouze záznamy akce { $action }.
tokens-field-skip-spam-check = Tikety vytvořené tímto tokenem obejdou spamový filtr (pro důvěryhodnou integraci)
tokens-spam-check-off = bez spamového filtru
