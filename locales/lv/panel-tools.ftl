# Aģentu paneļa rīki: API marķieri un audita žurnāls. Ids kā failā
# locales/en/panel-tools.ftl.

## API tokens (/agent/tokens)
tokens-title = API marķieri
tokens-intro = Marķieris ļauj skriptam vai integrācijai izmantot API jūsu vārdā. Sūtiet to galvenē Authorization: Bearer, aiz kā seko pats marķieris.
tokens-yours = Jūsu marķieri
tokens-none = Jums nav neviena marķiera.
tokens-col-name = Nosaukums
tokens-col-scopes = Atļaujas
tokens-col-created = Izveidots
tokens-col-expires = Derīgs līdz
tokens-col-last-used = Pēdējoreiz izmantots
tokens-col-actions = Darbības
tokens-never-expires = bez termiņa
tokens-never-used = nekad
tokens-expired = derīgums beidzies
tokens-revoke = Atsaukt
tokens-revoke-label = Atsaukt { $name }
tokens-create = Izveidot marķieri
tokens-field-name = Nosaukums
tokens-name-placeholder = Nakts eksporta skripts
tokens-field-scopes = Atļaujas
tokens-scope-read = Lasīšana: lasīt pieteikumus, personas un iestatījumus
tokens-scope-write = Rakstīšana: mainīt visu, ko drīkstat mainīt jūs
tokens-scope-admin = Administrēšana: pārvaldīt personas un drošības iestatījumus
tokens-field-expiry = Derīguma termiņš (dienās)
tokens-expiry-hint = No 1 līdz 3650 dienām. Atstājiet tukšu, ja marķierim nav jābūt derīguma termiņam.
tokens-create-submit = Izveidot marķieri
tokens-created = Marķieris „{ $name }“ ir izveidots.
tokens-copy-now = Nokopējiet to tūlīt: tas vairs netiks parādīts.
tokens-new-token-label = Jaunais marķieris
tokens-revoked = Marķieris „{ $name }“ ir atsaukts. Tas vairs nedarbojas.
tokens-not-found = Šāda marķiera nav, vai arī tas jau ir atsaukts.
tokens-error-name = Nosaukumā jābūt no 1 līdz 100 rakstzīmēm.
tokens-error-expiry = Derīguma termiņam jābūt veselam dienu skaitam no 1 līdz 3650, vai arī laukam jāpaliek tukšam.
tokens-error-no-scope = Izvēlieties vismaz vienu atļauju.
tokens-error-scope = Šo atļauju nevar piešķirt.
tokens-error-admin = Marķierus ar administrēšanas atļauju drīkst izveidot tikai īpašnieki un administratori.

## Audit log (/agent/audit)
audit-title = Audita žurnāls
audit-intro = Kas un ko šajā kontā ir darījis, jaunākie ieraksti vispirms. Ierakstus nevar mainīt.
audit-filter = Filtrs
audit-field-action = Darbība
audit-action-hint = Darbība, piemēram, token.created, vai darbību grupa, piemēram, login vai 2fa.
audit-field-actor = Izpildītājs (e-pasts, cli vai system)
audit-field-from = No
audit-field-to = Līdz
audit-filter-submit = Rādīt
audit-filter-clear = Rādīt visu
audit-download-csv = Lejupielādēt CSV formātā
audit-col-time = Laiks
audit-col-actor = Izpildītājs
audit-col-action = Darbība
audit-col-target = Mērķis
audit-col-ip = IP adrese
audit-col-detail = Informācija
audit-none = Nav ierakstu.
audit-none-filtered = Šim filtram neatbilst neviens ieraksts.
audit-older = Vecāki ieraksti
audit-newest = Jaunākie ieraksti
audit-showing-action = Tiek rādīta tikai darbība { $action }.
tokens-field-skip-spam-check = Ar šo marķieri izveidotie pieteikumi apiet surogātpasta filtru (uzticamai integrācijai)
tokens-spam-check-off = bez surogātpasta filtra
