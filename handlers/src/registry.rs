//! Commands are declarations. One entry per command holds everything known
//! about it: its name and aliases, who may use it, where it works, whether
//! the menu shows it, its texts and how its arguments are read. Parsing,
//! the private-chat rule, the command menu (per language) and `/help` are
//! all made from this table, so a command added here cannot be left out of
//! one of them; a test checks that every text it names exists in every
//! language.

use std::future::Future;
use std::sync::Arc;

use teloxide::types::BotCommand;

use crate::plugin::{Call, CommandFn};
use crate::roles::Role;
use crate::{HandlerResult, Locale, Texts};

/// Who a command is for. The gate checks it when the command is used (a
/// revoked organizer loses it at once); it also decides where a command is
/// offered and listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Audience {
    /// Everyone who writes to the bot, in private chats and groups.
    Member,
    /// Everyone in a private chat; in a group only its admins, because the
    /// command changes what the group receives or shows what is stored
    /// about it (checked with getChatMember when it is used).
    GroupAdmin,
    /// Organizers (within their topics) and owners.
    Organizer,
    /// Owners only (`BASIS_OWNERS`).
    Owner,
}

impl Audience {
    /// Organizers' and owners' commands, as opposed to members'.
    pub fn is_organizers(self) -> bool {
        self >= Audience::Organizer
    }

    /// The part of `/help` the command is listed in.
    fn listed_with(self) -> Audience {
        match self {
            Audience::GroupAdmin => Audience::Member,
            other => other,
        }
    }
}

/// Where a command works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// Private chats and groups.
    Anywhere,
    /// Private chats only: elsewhere it is refused with a pointer there.
    Private,
    /// Groups and supergroups only (an inbox group's commands).
    Group,
}

/// Everything known about one command but its handler: the menu, `/help`,
/// the gate and the authorization matrix test are all made from it.
#[derive(Clone, Debug)]
pub struct Declaration {
    /// The name in the menu, without the slash.
    pub name: &'static str,
    /// Other names it answers to (the German ones).
    pub aliases: &'static [&'static str],
    /// Who may use it.
    pub audience: Audience,
    /// Where it works.
    pub place: Place,
    /// Shown in Telegram's command menu.
    pub menu: bool,
    /// Listed by `/help` (for its audience).
    pub help: bool,
    /// Fluent id of the one-line description (menu and `/help`).
    pub about: &'static str,
    /// Fluent id of the argument hint in `/help` and in the usage answer,
    /// e.g. `<topic>`.
    pub usage: Option<&'static str>,
    /// Fluent id of the refusal for someone without the role its audience
    /// needs (`organizers-only`, `owners-only` or `group-admins-only` if
    /// none).
    pub denied: Option<&'static str>,
    /// About regions: a bot with no regions configured leaves it out
    /// (not in the menu, not in `/help`, an unknown command).
    pub regional: bool,
    /// The plugin that adds it, set when it is declared.
    pub plugin: &'static str,
}

impl Declaration {
    /// A command for everyone, in the menu and in `/help`, with `about` as
    /// the Fluent id of its description. Its handler is added by
    /// [`crate::plugin::Extensions::command`].
    pub const fn new(name: &'static str, about: &'static str) -> Declaration {
        Declaration {
            name,
            aliases: &[],
            audience: Audience::Member,
            place: Place::Anywhere,
            menu: true,
            help: true,
            about,
            usage: None,
            denied: None,
            regional: false,
            plugin: "",
        }
    }

    /// Other names it answers to (the German ones).
    pub const fn aliases(self, aliases: &'static [&'static str]) -> Declaration {
        Declaration { aliases, ..self }
    }

    /// For group admins (in groups), organizers (in private chats, out of
    /// the menu) or owners.
    pub const fn for_audience(self, audience: Audience) -> Declaration {
        match audience {
            Audience::Member | Audience::GroupAdmin => Declaration { audience, ..self },
            _ => Declaration { audience, place: Place::Private, menu: false, ..self },
        }
    }

    /// Works in private chats only.
    pub const fn private(self) -> Declaration {
        Declaration { place: Place::Private, ..self }
    }

    /// Works in groups only; kept out of the menu, which private chats
    /// show.
    pub const fn in_groups(self) -> Declaration {
        Declaration { place: Place::Group, menu: false, ..self }
    }

    /// Fluent id of the refusal for someone without the role.
    pub const fn denied(self, denied: &'static str) -> Declaration {
        Declaration { denied: Some(denied), ..self }
    }

    /// Fluent id of the argument hint in `/help` and in the usage answer.
    pub const fn usage(self, usage: &'static str) -> Declaration {
        Declaration { usage: Some(usage), ..self }
    }

    /// Left out of `/help` (it still is in the menu unless
    /// [`Declaration::unlisted`] too).
    pub const fn not_in_help(self) -> Declaration {
        Declaration { help: false, ..self }
    }

    /// Left out of Telegram's command menu.
    pub const fn unlisted(self) -> Declaration {
        Declaration { menu: false, ..self }
    }

    /// Only where regions are configured ([`Commands::without_regional`]).
    pub const fn regional(self) -> Declaration {
        Declaration { regional: true, ..self }
    }

    /// Whether `name` (lower-cased, without the slash) names this command.
    pub fn answers_to(&self, name: &str) -> bool {
        self.name == name || self.aliases.contains(&name)
    }

    /// Its line in `/help`: `/name <usage> – description`.
    pub fn help_line(&self, texts: &Texts, locale: Locale) -> String {
        let loader = texts.get(locale);
        let usage = self.usage.map(|id| format!(" {}", loader.get(id))).unwrap_or_default();
        format!("/{}{usage} – {}", self.name, loader.get(self.about))
    }

    /// The answer to arguments its reader does not accept: how the command
    /// is used, in the asker's language.
    pub fn usage_answer(&self, texts: &Texts, locale: Locale) -> String {
        let loader = texts.get(locale);
        let usage = self.usage.map(|id| format!(" {}", loader.get(id))).unwrap_or_default();
        let args = std::collections::HashMap::from([("usage", format!("/{}{usage}", self.name))]);
        loader.get_args("command-usage", args)
    }
}

/// A command's arguments, read from what follows its name. A reader that
/// refuses the text makes the gate answer with the command's usage, in the
/// asker's language, and nothing runs.
pub trait Args: Sized + Send + 'static {
    /// The arguments `text` (trimmed) gives, or `None` if it gives none.
    fn read(text: &str) -> Option<Self>;
}

/// The arguments as typed, possibly empty.
impl Args for String {
    fn read(text: &str) -> Option<String> {
        Some(text.to_owned())
    }
}

/// No arguments; trailing words are ignored, as Telegram clients sometimes
/// append them.
impl Args for () {
    fn read(_: &str) -> Option<()> {
        Some(())
    }
}

/// Something that must be there: the arguments as typed, not empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Required(pub String);

impl Args for Required {
    fn read(text: &str) -> Option<Required> {
        (!text.is_empty()).then(|| Required(text.to_owned()))
    }
}

/// A positive number of at most 18 digits (a post's, an event's or a
/// user's id), and nothing after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Id(pub i64);

impl Args for Id {
    fn read(text: &str) -> Option<Id> {
        let valid = !text.is_empty() && text.len() <= 18 && text.bytes().all(|b| b.is_ascii_digit());
        valid.then(|| text.parse().ok().filter(|id| *id > 0).map(Id)).flatten()
    }
}

/// A command's handler with its argument reader in front.
pub(crate) fn with_args<A, F, Fut>(handler: F) -> CommandFn
where
    A: Args,
    F: Fn(Call, A) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HandlerResult> + Send + 'static,
{
    let handler = Arc::new(handler);
    Arc::new(move |call: Call| {
        let handler = handler.clone();
        Box::pin(async move {
            match A::read(&call.args) {
                Some(args) => handler(call, args).await,
                None => {
                    let answer = call.declaration.usage_answer(&call.basis.ctx.texts, call.locale);
                    call.say(answer).await
                }
            }
        })
    })
}

/// Why the gate in front of a command refused it: a typed value, rendered
/// in the asker's language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The command works in private chats only.
    PrivateOnly,
    /// The command works in groups only.
    GroupOnly,
    /// In a group, for its admins.
    GroupAdminsOnly,
    /// In a group, for its admins, and Telegram could not say whether the
    /// asker is one.
    GroupCheckFailed,
    /// For organizers and owners.
    OrganizersOnly,
    /// For owners (`BASIS_OWNERS`).
    OwnersOnly,
}

impl Refusal {
    /// The refusal as `declaration`'s asker reads it.
    pub fn text(self, declaration: &Declaration, texts: &Texts, locale: Locale) -> String {
        texts.get(locale).get(match self {
            Refusal::PrivateOnly if declaration.audience.is_organizers() => "organizers-private-only",
            Refusal::PrivateOnly => "private-only",
            Refusal::GroupOnly => "group-only",
            Refusal::GroupAdminsOnly => declaration.denied.unwrap_or("group-admins-only"),
            Refusal::GroupCheckFailed => "group-check-failed",
            Refusal::OrganizersOnly => declaration.denied.unwrap_or("organizers-only"),
            Refusal::OwnersOnly => "owners-only",
        })
    }
}

/// What the gate decided: the command runs (organizers' and owners'
/// commands with the asker's role), or it is refused.
#[derive(Clone, Debug)]
pub enum Access {
    /// Let through; `Some` role for organizers' and owners' commands.
    Granted(Option<Role>),
    /// Refused, and why.
    Refused(Refusal),
}

/// The gate in front of every command: where it works and who may use it,
/// looked up at the moment it is used (a revoked organizer is refused at
/// once; a group admin who stepped down too).
pub(crate) async fn gate(
    scene: &crate::scene::Scene,
    declaration: &Declaration,
    message: &teloxide::types::Message,
) -> Result<Access, crate::HandlerError> {
    use crate::scene::Permission;
    match declaration.place {
        Place::Private if !scene.chat.is_private() => return Ok(Access::Refused(Refusal::PrivateOnly)),
        Place::Group if scene.chat.is_private() => return Ok(Access::Refused(Refusal::GroupOnly)),
        _ => {}
    }
    let from = message.from.as_ref();
    Ok(match declaration.audience {
        Audience::Member => Access::Granted(None),
        Audience::GroupAdmin => match scene.permission(from, message.sender_chat.as_ref()).await {
            Permission::Allowed => Access::Granted(None),
            Permission::Denied => Access::Refused(Refusal::GroupAdminsOnly),
            Permission::Unknown => Access::Refused(Refusal::GroupCheckFailed),
        },
        audience => match (audience, crate::roles::role_of(scene, from).await?) {
            (Audience::Owner, Some(role)) if role.is_owner() => Access::Granted(Some(role)),
            (Audience::Owner, _) => Access::Refused(Refusal::OwnersOnly),
            (_, Some(role)) => Access::Granted(Some(role)),
            (_, None) => Access::Refused(Refusal::OrganizersOnly),
        },
    })
}

/// One command: its declaration and its handler.
#[derive(Clone)]
pub struct Entry {
    /// What is known about it.
    pub declaration: Declaration,
    pub(crate) handler: CommandFn,
}

/// The commands a bot answers to, in the order its plugins declared them
/// (the menu's and `/help`'s order).
#[derive(Clone, Default)]
pub struct Commands {
    list: Vec<Entry>,
}

impl std::fmt::Debug for Commands {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.list.iter().map(|e| e.declaration.name)).finish()
    }
}

impl Commands {
    pub(crate) fn push(&mut self, declaration: Declaration, handler: CommandFn) {
        self.list.push(Entry { declaration, handler });
    }

    /// Leaves out the commands about regions, for a bot with none
    /// configured: they are then unknown, and neither the menu nor `/help`
    /// lists them.
    pub fn without_regional(&mut self) {
        self.list.retain(|e| !e.declaration.regional);
    }

    /// Every command's declaration, in the menu's order.
    pub fn iter(&self) -> impl Iterator<Item = &Declaration> {
        self.list.iter().map(|e| &e.declaration)
    }

    pub(crate) fn entries(&self) -> &[Entry] {
        &self.list
    }

    /// The declaration `name` (lower-cased, without the slash) belongs to.
    pub fn find(&self, name: &str) -> Option<&Declaration> {
        self.iter().find(|d| d.answers_to(name))
    }

    /// The command menu Telegram shows next to the text field.
    pub fn menu(&self, texts: &Texts, locale: Locale) -> Vec<BotCommand> {
        let loader = texts.get(locale);
        self.iter().filter(|d| d.menu).map(|d| BotCommand::new(d.name, loader.get(d.about))).collect()
    }

    /// `/help` for someone who may use the commands of `audience` and
    /// below: members see theirs; organizers and owners also see the
    /// commands their role allows.
    pub fn help(&self, texts: &Texts, locale: Locale, audience: Audience) -> String {
        let loader = texts.get(locale);
        let mut out = loader.get("help-intro");
        let lines = |of: Audience| self.iter().filter(move |d| d.help && d.audience.listed_with() == of);
        for d in lines(Audience::Member) {
            out.push('\n');
            out.push_str(&d.help_line(texts, locale));
        }
        for (of, heading) in [(Audience::Organizer, "help-organizers"), (Audience::Owner, "help-owners")] {
            if audience < of {
                break;
            }
            out.push_str("\n\n");
            out.push_str(&loader.get(heading));
            for d in lines(of) {
                out.push('\n');
                out.push_str(&d.help_line(texts, locale));
            }
        }
        out
    }
}
