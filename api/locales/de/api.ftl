api-cmd-apitoken = Zugänge der Posting-API: anlegen, auflisten, widerrufen
api-cmd-apitoken-usage = [Name Themen @Regionen | revoke Name]
api-token-created =
    🔑 API-Token „{ $name }“ für { $scope }:

    { $token }

    Er wird nur dieses eine Mal gezeigt: Trage ihn jetzt in dein CMS ein. Gespeichert wird nur sein Fingerabdruck.
    Verwendung: Authorization: Bearer <Token> bei POST /api/v1/broadcasts (siehe /api/v1/openapi.json).
    Widerrufen mit /apitoken revoke { $name }.
api-token-list =
    🔑 API-Tokens:
    { $tokens }

    Neu: /apitoken <Name> [Themen] [@Regionen] · widerrufen: /apitoken revoke <Name>
api-token-line = • { $name } – { $scope } – angelegt { $made }, zuletzt benutzt { $used }
api-token-never = nie
api-token-none = Es gibt keine API-Tokens. Lege einen an mit /apitoken <Name> [Themen], z. B. /apitoken cms strikes
api-token-bad-name = Der Name eines Tokens besteht aus 1–32 Zeichen a-z, 0-9, _ und - (z. B. cms oder pressestelle) und ist nicht „revoke“.
api-token-taken = Es gibt schon einen Token „{ $name }“. Widerrufe ihn zuerst mit /apitoken revoke { $name }.
api-token-unknown-region = Es gibt keine Region „{ $region }“.
api-token-revoked = Token „{ $name }“ ist widerrufen: Ab jetzt bekommt jede Anfrage damit 401.
api-token-revoke-unknown = Es gibt keinen gültigen Token „{ $name }“.
api-token-revoke-usage = Welcher Token? /apitoken revoke <Name>
api-scope-all = alle Themen
api-offer-note = 📨 Von der Posting-API (Token „{ $token }“): Jede und jeder von euch kann ihn senden oder verwerfen.
api-feed-offer-note = 📰 Neu im Feed „{ $feed }“: Jede und jeder von euch kann ihn senden oder verwerfen.
api-feed-post =
    { $title }

    { $link }
