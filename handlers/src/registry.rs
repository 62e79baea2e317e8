//! Commands are declarations. One entry per command holds everything known
//! about it: its name and aliases, who may use it, where it works, whether
//! the menu shows it, its texts and how its arguments are read. Parsing,
//! the private-chat rule, the command menu (per language) and `/help` are
//! all made from this table, so a command added here cannot be left out of
//! one of them; a test checks that every text it names exists in every
//! language.

use teloxide::types::BotCommand;

use crate::command::Command;
use crate::plugin::CommandFn;
use crate::plugins::{ASSEMBLIES, CHANNELS, CORRECTIONS, POSTING, PRIVACY, ROLES, STATISTICS};
use crate::roles::Role;
use crate::{Locale, Texts};

/// Who a command is for. The handler checks the role again when it runs
/// (a revoked organizer loses it at once); this decides where a command is
/// offered and listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Audience {
    /// Everyone who writes to the bot, and group admins for their group.
    Member,
    /// Organizers (within their topics) and owners.
    Organizer,
    /// Owners only (`BASIS_OWNERS`).
    Owner,
}

/// Where a command works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// Private chats and groups.
    Anywhere,
    /// Private chats only: elsewhere it is refused with a pointer there.
    Private,
}

/// What a command does.
#[derive(Clone, Copy, Debug)]
pub enum Action {
    /// One of Basis's own: its arguments are read into a [`Command`].
    Basis(fn(String) -> Command),
    /// A plugin's: its handler (the n-th of [`Commands`]) gets the
    /// arguments as they were typed.
    Plugin(usize),
}

/// One command.
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
    /// Fluent id of the argument hint in `/help`, e.g. `<topic>`.
    pub usage: Option<&'static str>,
    /// Reads the arguments (everything after the name), or handles them.
    pub action: Action,
    /// Fluent id of the refusal for someone without the role its audience
    /// needs (`organizers-only` or `owners-only` if none).
    pub denied: Option<&'static str>,
    /// The plugin that adds it: for Basis's own, which of
    /// [`crate::plugins::DefaultPlugins`]; for a plugin's, set when it is
    /// declared.
    pub plugin: &'static str,
}

impl Declaration {
    /// A plugin's command for everyone, in the menu and in `/help`, with
    /// `about` as the Fluent id of its description. The plugin's handler
    /// is added by [`crate::plugin::Extensions::command`].
    pub fn new(name: &'static str, about: &'static str) -> Declaration {
        Declaration { about, ..member(name, &[], |_| Command::Help) }
    }

    /// Other names it answers to (the German ones).
    pub fn aliases(self, aliases: &'static [&'static str]) -> Declaration {
        Declaration { aliases, ..self }
    }

    /// For organizers (in private chats, out of the menu) or owners.
    pub fn for_audience(self, audience: Audience) -> Declaration {
        match audience {
            Audience::Member => Declaration { audience, ..self },
            _ => Declaration { audience, place: Place::Private, menu: false, ..self },
        }
    }

    /// Works in private chats only.
    pub fn private(self) -> Declaration {
        Declaration { place: Place::Private, ..self }
    }

    /// Fluent id of the refusal for someone without the role.
    pub fn denied(self, denied: &'static str) -> Declaration {
        Declaration { denied: Some(denied), ..self }
    }

    /// Fluent id of the argument hint in `/help`.
    pub fn usage(self, usage: &'static str) -> Declaration {
        Declaration { usage: Some(usage), ..self }
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
}

const fn member(name: &'static str, aliases: &'static [&'static str], parse: fn(String) -> Command) -> Declaration {
    Declaration {
        name,
        aliases,
        audience: Audience::Member,
        place: Place::Anywhere,
        menu: true,
        help: true,
        about: "",
        usage: None,
        action: Action::Basis(parse),
        denied: None,
        plugin: crate::plugins::MEMBERS,
    }
}

/// Organizers' commands; who is not one is told "Only organizers may post."
const fn organizer(name: &'static str, aliases: &'static [&'static str], parse: fn(String) -> Command) -> Declaration {
    Declaration {
        audience: Audience::Organizer,
        place: Place::Private,
        menu: false,
        denied: Some("post-not-allowed"),
        ..member(name, aliases, parse)
    }
}

/// Statistics and links, for organizers.
const fn analyst(name: &'static str, aliases: &'static [&'static str], parse: fn(String) -> Command) -> Declaration {
    Declaration { denied: Some("stats-not-allowed"), ..organizer(name, aliases, parse) }
}

const fn owner(name: &'static str, aliases: &'static [&'static str], parse: fn(String) -> Command) -> Declaration {
    Declaration { audience: Audience::Owner, denied: None, ..organizer(name, aliases, parse) }
}

/// Basis's own commands, in the order of the menu and `/help`.
pub static COMMANDS: &[Declaration] = &[
    Declaration { about: "cmd-start", help: false, ..member("start", &[], Command::Start) },
    Declaration { about: "cmd-topics", ..member("topics", &["themen"], |_| Command::Topics) },
    Declaration { about: "cmd-subscribe", usage: Some("usage-topic"), ..member("subscribe", &[], Command::Subscribe) },
    Declaration {
        about: "cmd-unsubscribe",
        usage: Some("usage-topic"),
        ..member("unsubscribe", &[], Command::Unsubscribe)
    },
    Declaration { about: "cmd-mytopics", ..member("mytopics", &[], |_| Command::MyTopics) },
    Declaration { about: "cmd-language", ..member("language", &["sprache"], Command::Language) },
    Declaration { plugin: PRIVACY, about: "cmd-privacy", ..member("privacy", &["datenschutz"], |_| Command::Privacy) },
    Declaration { plugin: PRIVACY, about: "cmd-mydata", ..member("mydata", &["meinedaten"], |_| Command::MyData) },
    Declaration { plugin: PRIVACY, about: "cmd-stop", ..member("stop", &[], |_| Command::Stop) },
    Declaration { about: "cmd-help", ..member("help", &["hilfe"], |_| Command::Help) },
    // Organizers: posting and corrections.
    Declaration {
        plugin: POSTING,
        about: "cmd-post",
        usage: Some("usage-post"),
        ..organizer("post", &[], Command::Post)
    },
    Declaration {
        plugin: CORRECTIONS,
        about: "cmd-followup",
        usage: Some("usage-followup"),
        ..organizer("followup", &["nachtrag"], Command::FollowUp)
    },
    Declaration {
        plugin: CORRECTIONS,
        about: "cmd-edit",
        usage: Some("usage-edit"),
        ..organizer("edit", &["korrigieren"], Command::Edit)
    },
    Declaration {
        plugin: CORRECTIONS,
        about: "cmd-retract",
        usage: Some("usage-id"),
        ..organizer("retract", &["zurueckziehen"], Command::Retract)
    },
    Declaration {
        plugin: POSTING,
        about: "cmd-scheduled",
        ..organizer("scheduled", &["geplant"], |_| Command::Scheduled)
    },
    // Organizers: assemblies.
    Declaration {
        plugin: ASSEMBLIES,
        about: "cmd-event",
        usage: Some("usage-event"),
        ..organizer("event", &["termin"], Command::Event)
    },
    Declaration { plugin: ASSEMBLIES, about: "cmd-events", ..organizer("events", &["termine"], |_| Command::Events) },
    Declaration {
        plugin: ASSEMBLIES,
        about: "cmd-eventchange",
        usage: Some("usage-eventchange"),
        ..organizer("eventchange", &["terminaendern"], Command::EventChange)
    },
    Declaration {
        plugin: ASSEMBLIES,
        about: "cmd-eventcancel",
        usage: Some("usage-id"),
        ..organizer("eventcancel", &["terminabsagen"], Command::EventCancel)
    },
    // Organizers: statistics and links.
    Declaration { plugin: STATISTICS, about: "cmd-stats", ..analyst("stats", &["statistik"], |_| Command::Stats) },
    Declaration {
        plugin: STATISTICS,
        about: "cmd-link",
        usage: Some("usage-link"),
        ..analyst("link", &[], Command::Link)
    },
    Declaration { plugin: STATISTICS, about: "cmd-qr", usage: Some("usage-link"), ..analyst("qr", &[], Command::Qr) },
    // Owners.
    Declaration {
        plugin: ROLES,
        about: "cmd-invite",
        usage: Some("usage-invite"),
        ..owner("invite", &["einladen"], Command::Invite)
    },
    Declaration {
        plugin: ROLES,
        about: "cmd-organizers",
        ..owner("organizers", &["organisatoren"], |_| Command::Organizers)
    },
    Declaration {
        plugin: ROLES,
        about: "cmd-revoke",
        usage: Some("usage-revoke"),
        ..owner("revoke", &["entziehen"], Command::Revoke)
    },
    Declaration { plugin: ROLES, about: "cmd-audit", ..owner("audit", &["protokoll"], |_| Command::Audit) },
    Declaration {
        plugin: CHANNELS,
        about: "cmd-channel",
        usage: Some("usage-channel"),
        ..owner("channel", &["kanal"], Command::Channel)
    },
];

/// Why the gate in front of a command refused it: a typed value, rendered
/// in the asker's language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The command works in private chats only.
    PrivateOnly,
    /// For organizers and owners.
    OrganizersOnly,
    /// For owners (`BASIS_OWNERS`).
    OwnersOnly,
}

impl Refusal {
    /// The refusal as `declaration`'s asker reads it.
    pub fn text(self, declaration: &Declaration, texts: &Texts, locale: Locale) -> String {
        texts.get(locale).get(match self {
            Refusal::PrivateOnly if declaration.audience > Audience::Member => "organizers-private-only",
            Refusal::PrivateOnly => "private-only",
            Refusal::OrganizersOnly => declaration.denied.unwrap_or("organizers-only"),
            Refusal::OwnersOnly => "owners-only",
        })
    }
}

/// The gate in front of every command: where it works and who may use it,
/// the role looked up at the moment it is used (a revoked organizer is
/// refused at once). Passes organizers' and owners' commands with the
/// asker's role, members' commands with none.
pub(crate) async fn gate(
    scene: &crate::scene::Scene,
    declaration: &Declaration,
    from: Option<&teloxide::types::User>,
) -> Result<Result<Option<Role>, Refusal>, crate::HandlerError> {
    if declaration.place == Place::Private && !scene.chat.is_private() {
        return Ok(Err(Refusal::PrivateOnly));
    }
    let role = match declaration.audience {
        Audience::Member => return Ok(Ok(None)),
        _ => crate::roles::role_of(scene, from).await?,
    };
    Ok(match (declaration.audience, role) {
        (Audience::Owner, Some(role)) if role.is_owner() => Ok(Some(role)),
        (Audience::Owner, _) => Err(Refusal::OwnersOnly),
        (_, Some(role)) => Ok(Some(role)),
        (_, None) => Err(Refusal::OrganizersOnly),
    })
}

/// The declaration of Basis's own commands that `name` (lower-cased,
/// without the slash) belongs to.
pub fn find(name: &str) -> Option<&'static Declaration> {
    COMMANDS.iter().find(|d| d.answers_to(name))
}

/// The commands a bot answers to: Basis's own that its plugins added, then
/// the other plugins' commands, in the order they were added.
#[derive(Clone, Default)]
pub struct Commands {
    list: Vec<Declaration>,
    handlers: Vec<CommandFn>,
}

impl std::fmt::Debug for Commands {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.list.iter().map(|d| d.name)).finish()
    }
}

impl Commands {
    /// Every one of Basis's own commands.
    pub fn basis() -> Commands {
        Commands { list: COMMANDS.to_vec(), handlers: Vec::new() }
    }

    /// A plugin's handler, for [`Action::Plugin`].
    pub(crate) fn add_handler(&mut self, handler: CommandFn) -> Action {
        self.handlers.push(handler);
        Action::Plugin(self.handlers.len() - 1)
    }

    pub(crate) fn handler(&self, index: usize) -> Option<CommandFn> {
        self.handlers.get(index).cloned()
    }

    pub(crate) fn push(&mut self, declaration: Declaration) {
        self.list.push(declaration);
        // Basis's own keep the order of `COMMANDS`; the rest follow.
        let rank = |d: &Declaration| match d.action {
            Action::Basis(_) => COMMANDS.iter().position(|c| c.name == d.name).unwrap_or(usize::MAX),
            Action::Plugin(_) => usize::MAX,
        };
        self.list.sort_by_key(rank);
    }

    /// Every command, in the menu's order.
    pub fn iter(&self) -> impl Iterator<Item = &Declaration> {
        self.list.iter()
    }

    /// The declaration `name` (lower-cased, without the slash) belongs to.
    pub fn find(&self, name: &str) -> Option<&Declaration> {
        self.list.iter().find(|d| d.answers_to(name))
    }

    /// The command menu Telegram shows next to the text field.
    pub fn menu(&self, texts: &Texts, locale: Locale) -> Vec<BotCommand> {
        let loader = texts.get(locale);
        self.list.iter().filter(|d| d.menu).map(|d| BotCommand::new(d.name, loader.get(d.about))).collect()
    }

    /// `/help` for someone who may use the commands of `audience` and
    /// below: members see theirs; organizers and owners also see the
    /// commands their role allows.
    pub fn help(&self, texts: &Texts, locale: Locale, audience: Audience) -> String {
        let loader = texts.get(locale);
        let mut out = loader.get("help-intro");
        let lines = |of: Audience| self.list.iter().filter(move |d| d.help && d.audience == of);
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
