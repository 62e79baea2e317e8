api-cmd-apitoken = tokens of the posting API: make, list, revoke
api-cmd-apitoken-usage = [name topics @regions | revoke name]
api-token-created =
    🔑 API token “{ $name }” for { $scope }:

    { $token }

    This is the only time it is shown: copy it into your CMS now. Only its fingerprint is kept.
    Use: Authorization: Bearer <token> on POST /api/v1/broadcasts (see /api/v1/openapi.json).
    Revoke it with /apitoken revoke { $name }.
api-token-list =
    🔑 API tokens:
    { $tokens }

    New: /apitoken <name> [topics] [@regions] · revoke: /apitoken revoke <name>
api-token-line = • { $name } – { $scope } – made { $made }, last used { $used }
api-token-never = never
api-token-none = There are no API tokens. Make one with /apitoken <name> [topics], e.g. /apitoken cms strikes
api-token-bad-name = A token's name is 1–32 of a-z, 0-9, _ and - (e.g. cms or press-office), and not “revoke”.
api-token-taken = There is a token called “{ $name }” already. Revoke it first with /apitoken revoke { $name }.
api-token-unknown-region = There is no region “{ $region }”.
api-token-revoked = Token “{ $name }” is revoked: from now on every request with it gets 401.
api-token-revoke-unknown = There is no live token called “{ $name }”.
api-token-revoke-usage = Which token? /apitoken revoke <name>
api-scope-all = all topics
api-offer-note = 📨 From the posting API (token “{ $token }”): any of you may send or discard it.
api-feed-offer-note = 📰 New in the feed “{ $feed }”: any of you may send or discard it.
api-feed-post =
    { $title }

    { $link }
