//! Commands are declarations. One entry per command holds everything known
//! about it: its name and aliases, who may use it, where it works, whether
//! the menu shows it, its texts and how its arguments are read. Parsing,
//! the private-chat rule, the command menu (per language) and `/help` are
//! all made from this table, so a command added here cannot be left out of
//! one of them; a test checks that every text it names exists in every
//! language.

use teloxide::types::BotCommand;

use crate::command::Command;
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

/// One command.
#[derive(Debug)]
pub struct Declaration {
    /// The name in the menu, without the slash.
    pub name: &'static str,
    /// Other names it answers to (the German ones).
    pub aliases: &'static [&'static str],
    pub audience: Audience,
    pub place: Place,
    /// Shown in Telegram's command menu.
    pub menu: bool,
    /// Listed by `/help` (for its audience).
    pub help: bool,
    /// Fluent id of the one-line description (menu and `/help`).
    pub about: &'static str,
    /// Fluent id of the argument hint in `/help`, e.g. `<topic>`.
    pub usage: Option<&'static str>,
    /// Reads the arguments (everything after the name).
    pub parse: fn(String) -> Command,
}

impl Declaration {
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
        parse,
    }
}

const fn organizer(name: &'static str, aliases: &'static [&'static str], parse: fn(String) -> Command) -> Declaration {
    Declaration { audience: Audience::Organizer, place: Place::Private, menu: false, ..member(name, aliases, parse) }
}

const fn owner(name: &'static str, aliases: &'static [&'static str], parse: fn(String) -> Command) -> Declaration {
    Declaration { audience: Audience::Owner, ..organizer(name, aliases, parse) }
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
    Declaration { about: "cmd-privacy", ..member("privacy", &["datenschutz"], |_| Command::Privacy) },
    Declaration { about: "cmd-mydata", ..member("mydata", &["meinedaten"], |_| Command::MyData) },
    Declaration { about: "cmd-stop", ..member("stop", &[], |_| Command::Stop) },
    Declaration { about: "cmd-help", ..member("help", &["hilfe"], |_| Command::Help) },
    // Organizers: posting and corrections.
    Declaration { about: "cmd-post", usage: Some("usage-post"), ..organizer("post", &[], Command::Post) },
    Declaration {
        about: "cmd-followup",
        usage: Some("usage-followup"),
        ..organizer("followup", &["nachtrag"], Command::FollowUp)
    },
    Declaration { about: "cmd-edit", usage: Some("usage-edit"), ..organizer("edit", &["korrigieren"], Command::Edit) },
    Declaration {
        about: "cmd-retract",
        usage: Some("usage-id"),
        ..organizer("retract", &["zurueckziehen"], Command::Retract)
    },
    Declaration { about: "cmd-scheduled", ..organizer("scheduled", &["geplant"], |_| Command::Scheduled) },
    // Organizers: assemblies.
    Declaration { about: "cmd-event", usage: Some("usage-event"), ..organizer("event", &["termin"], Command::Event) },
    Declaration { about: "cmd-events", ..organizer("events", &["termine"], |_| Command::Events) },
    Declaration {
        about: "cmd-eventchange",
        usage: Some("usage-eventchange"),
        ..organizer("eventchange", &["terminaendern"], Command::EventChange)
    },
    Declaration {
        about: "cmd-eventcancel",
        usage: Some("usage-id"),
        ..organizer("eventcancel", &["terminabsagen"], Command::EventCancel)
    },
    // Organizers: statistics and links.
    Declaration { about: "cmd-stats", ..organizer("stats", &["statistik"], |_| Command::Stats) },
    Declaration { about: "cmd-link", usage: Some("usage-link"), ..organizer("link", &[], Command::Link) },
    Declaration { about: "cmd-qr", usage: Some("usage-link"), ..organizer("qr", &[], Command::Qr) },
    // Owners.
    Declaration { about: "cmd-invite", usage: Some("usage-invite"), ..owner("invite", &["einladen"], Command::Invite) },
    Declaration { about: "cmd-organizers", ..owner("organizers", &["organisatoren"], |_| Command::Organizers) },
    Declaration {
        about: "cmd-revoke",
        usage: Some("usage-revoke"),
        ..owner("revoke", &["entziehen"], Command::Revoke)
    },
    Declaration { about: "cmd-audit", ..owner("audit", &["protokoll"], |_| Command::Audit) },
    Declaration {
        about: "cmd-channel",
        usage: Some("usage-channel"),
        ..owner("channel", &["kanal"], Command::Channel)
    },
];

/// The declaration `name` (lower-cased, without the slash) belongs to.
pub fn find(name: &str) -> Option<&'static Declaration> {
    COMMANDS.iter().find(|d| d.answers_to(name))
}

/// The command `text` names, with its declaration; its arguments read by
/// the declaration's reader.
pub fn parse(text: &crate::command::CommandText<'_>) -> Option<(&'static Declaration, Command)> {
    find(&text.name).map(|declaration| (declaration, (declaration.parse)(text.args.to_owned())))
}

/// The command menu Telegram shows next to the text field.
pub fn menu(texts: &Texts, locale: Locale) -> Vec<BotCommand> {
    let loader = texts.get(locale);
    COMMANDS.iter().filter(|d| d.menu).map(|d| BotCommand::new(d.name, loader.get(d.about))).collect()
}

/// `/help` for someone who may use the commands of `audience` and below:
/// members see theirs; organizers and owners also see the commands their
/// role allows.
pub fn help(texts: &Texts, locale: Locale, audience: Audience) -> String {
    let loader = texts.get(locale);
    let mut out = loader.get("help-intro");
    let lines = |of: Audience| COMMANDS.iter().filter(move |d| d.help && d.audience == of);
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
