//! `/apitoken`, for owners in their private chat: make a token (shown
//! once), list the live ones, revoke one at once.
//!
//! ```text
//! /apitoken cms strikes,energy        a token for two topics
//! /apitoken liveblog                  a token for every topic
//! /apitoken                           the live tokens
//! /apitoken revoke cms                revoked at once
//! ```

use basis_handlers::{Basis, Call, HandlerResult, Locale};

use crate::store;
use crate::tokens::{self, CreateError, Scope, Token};

pub(crate) async fn apitoken(call: Call) -> HandlerResult {
    let basis = &call.basis;
    let actor = call.user.map_or(basis_core::UserId(0), Into::into);
    let args = call.args.trim();
    let words: Vec<&str> = args.split_whitespace().collect();
    let answer = match words.as_slice() {
        [] => list(basis, call.locale).await?,
        ["revoke"] => call.text("api-token-revoke-usage"),
        ["revoke", name] => {
            let name = name.to_lowercase();
            if tokens::revoke(basis.storage(), &name, actor, basis.now()).await? {
                basis.text_with(call.locale, "api-token-revoked", &[("name", &name)])
            } else {
                basis.text_with(call.locale, "api-token-revoke-unknown", &[("name", &shown(&name))])
            }
        }
        [name, rest @ ..] => create(basis, call.locale, &name.to_lowercase(), rest, actor).await?,
    };
    call.say(answer).await
}

/// At most 32 characters of what someone typed, to echo it.
fn shown(input: &str) -> String {
    input.chars().take(32).collect()
}

async fn create(
    basis: &Basis,
    locale: Locale,
    name: &str,
    rest: &[&str],
    actor: basis_core::UserId,
) -> Result<String, basis_handlers::HandlerError> {
    let mut scope = Scope::default();
    for word in rest.iter().flat_map(|w| w.split(',')).filter(|w| !w.is_empty()) {
        if let Some(region) = word.strip_prefix('@') {
            scope.regions.push(region.to_lowercase());
            continue;
        }
        match basis.topics().find(word) {
            Some(topic) => {
                scope.topics.insert(topic.key.clone());
            }
            None => {
                let listing = basis.topics().listing(locale);
                return Ok(basis.text_with(
                    locale,
                    "post-unknown-topic",
                    &[("input", &shown(word)), ("topics", &listing)],
                ));
            }
        }
    }
    let made = tokens::create(basis.storage(), basis.regions(), name, &scope, actor.0, actor, basis.now()).await?;
    Ok(match made {
        Ok(token) => {
            let label = scope_label(basis, locale, &scope);
            basis.text_with(locale, "api-token-created", &[("name", name), ("scope", &label), ("token", &token)])
        }
        Err(CreateError::BadName) => basis.text(locale, "api-token-bad-name"),
        Err(CreateError::Taken(name)) => basis.text_with(locale, "api-token-taken", &[("name", &name)]),
        Err(CreateError::UnknownRegion(region)) => {
            basis.text_with(locale, "api-token-unknown-region", &[("region", &shown(&region))])
        }
    })
}

fn scope_label(basis: &Basis, locale: Locale, scope: &Scope) -> String {
    let topics = match scope.topics.is_empty() {
        true => basis.text(locale, "api-scope-all"),
        false => basis.topics().labels_of(&scope.topics, locale).join(", "),
    };
    let Some(regions) = scope.region_scope() else { return topics };
    let regions = basis.regions().labels_of(&regions, locale).join(", ");
    basis.text_with(locale, "scope-regions", &[("topics", &topics), ("regions", &regions)])
}

async fn list(basis: &Basis, locale: Locale) -> Result<String, basis_handlers::HandlerError> {
    let live = store::live_tokens(basis.storage()).await?;
    if live.is_empty() {
        return Ok(basis.text(locale, "api-token-none"));
    }
    let tz = basis_handlers::offer::timezone(basis);
    let german = locale == Locale::De;
    let when = |at: i64| basis_handlers::when::format_local(at, basis.now(), tz, german);
    let lines: Vec<String> = live
        .iter()
        .map(|token: &Token| {
            let used = token.last_used_at.map_or_else(|| basis.text(locale, "api-token-never"), when);
            basis.text_with(
                locale,
                "api-token-line",
                &[
                    ("name", &token.name),
                    ("scope", &scope_label(basis, locale, &token.scope)),
                    ("made", &when(token.created_at)),
                    ("used", &used),
                ],
            )
        })
        .collect();
    Ok(basis.text_with(locale, "api-token-list", &[("tokens", &lines.join("\n"))]))
}
