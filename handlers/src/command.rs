//! Member commands, parsed from message text. Parsing is ours rather than
//! `BotCommands`' so that extra or garbage arguments get a precise answer and
//! commands meant for other bots in a group are told apart.

/// A command as typed: `/name@bot args`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandText<'a> {
    /// Lower-cased command name, without the slash.
    pub name: String,
    /// The bot named after `@`, if any.
    pub mention: Option<&'a str>,
    /// Everything after the first whitespace, trimmed.
    pub args: &'a str,
}

impl<'a> CommandText<'a> {
    /// The command `text` starts with, or `None` if it is not a command: no
    /// leading `/`, or a name that is empty, longer than 32 characters or not
    /// made of `A-Z a-z 0-9 _`.
    pub fn split(text: &'a str) -> Option<CommandText<'a>> {
        let rest = text.strip_prefix('/')?;
        let (head, args) = match rest.find(char::is_whitespace) {
            Some(i) => (&rest[..i], rest[i..].trim()),
            None => (rest, ""),
        };
        let (name, mention) = match head.split_once('@') {
            Some((name, mention)) => (name, Some(mention)),
            None => (head, None),
        };
        if name.is_empty() || name.len() > 32 || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        Some(CommandText { name: name.to_ascii_lowercase(), mention, args })
    }

    /// Whether this bot should act on it: no mention, or ours.
    pub fn is_for(&self, bot_username: &str) -> bool {
        self.mention.is_none_or(|m| m.eq_ignore_ascii_case(bot_username))
    }
}

/// A Basis command with its arguments as typed; plugins' commands are not
/// among them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `/start` with the deep-link payload, if any.
    Start(String),
    /// `/topics`: the topic keyboard.
    Topics,
    /// `/subscribe <topic>`: follow a topic.
    Subscribe(String),
    /// `/unsubscribe <topic>`: stop following a topic.
    Unsubscribe(String),
    /// `/mytopics`: the topics the chat follows.
    MyTopics,
    /// `/privacy`: exactly what is stored about the chat.
    Privacy,
    /// `/mydata`: everything stored about the chat, as a JSON file.
    MyData,
    /// `/stop`: leave and delete all data, once confirmed.
    Stop,
    /// `/language [code]`: switch language, or choose on a keyboard.
    Language(String),
    /// `/help`: the commands the sender may use.
    Help,
    /// `/post <topics> <text>`: organizers only.
    Post(String),
    /// `/invite [topics]`: owners only.
    Invite(String),
    /// `/organizers`: owners and organizers; owners only.
    Organizers,
    /// `/revoke <user id>`: owners only.
    Revoke(String),
    /// `/audit`: the latest organizer actions; owners only.
    Audit,
    /// `/followup <id> <text>`: a post replying to each member's copy of an earlier one.
    FollowUp(String),
    /// `/edit <id> <text>`: every delivered copy gets the new text.
    Edit(String),
    /// `/retract <id>`: every delivered copy is deleted.
    Retract(String),
    /// `/scheduled`: posts waiting for their time.
    Scheduled,
    /// `/stats`: subscribers per topic, growth, last broadcasts (+ chart).
    Stats,
    /// `/link <topic> [campaign]`: the topic's deep link.
    Link(String),
    /// `/qr <topic> [campaign]`: the deep link as a printable QR code.
    Qr(String),
    /// `/channel [remove] <topic> <@channel | id> [thread]`: owners only.
    Channel(String),
    /// `/event [<topics> <when> | <title> | <place> …]`: call an assembly.
    Event(String),
    /// `/events`: upcoming events with answers.
    Events,
    /// `/eventchange <id> time|place <value>`.
    EventChange(String),
    /// `/eventcancel <id>`.
    EventCancel(String),
}

impl Command {
    /// The command `text` names, its arguments read by its declaration
    /// ([`crate::registry`]). Commands that take no argument ignore trailing
    /// words, as Telegram clients sometimes append them.
    pub fn from_text(text: &CommandText<'_>) -> Option<Command> {
        match crate::registry::find(&text.name)?.action {
            crate::registry::Action::Basis(parse) => Some(parse(text.args.to_owned())),
            crate::registry::Action::Plugin(_) => None,
        }
    }
}

/// A deep-link payload as Telegram allows it: 1–64 of `A-Z a-z 0-9 _ -`.
pub fn valid_payload(payload: &str) -> bool {
    !payload.is_empty()
        && payload.len() <= 64
        && payload.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_split_into_name_mention_and_arguments() {
        let c = CommandText::split("/Subscribe@Basis_Test_Bot   Energie & Klima ").unwrap();
        assert_eq!(c.name, "subscribe");
        assert_eq!(c.mention, Some("Basis_Test_Bot"));
        assert_eq!(c.args, "Energie & Klima");
        assert!(c.is_for("basis_test_bot"));
        assert!(!CommandText::split("/help@other_bot").unwrap().is_for("basis_test_bot"));
        assert!(CommandText::split("/help").unwrap().is_for("basis_test_bot"));
        let c = CommandText::split("/start\nstrikes").unwrap();
        assert_eq!((c.name.as_str(), c.args), ("start", "strikes"));
    }

    #[test]
    fn non_commands_are_not_commands() {
        for text in ["", "/", "hello", " /start", "/ start", "/стоп", "/a-b", &format!("/{}", "x".repeat(33))] {
            assert_eq!(CommandText::split(text), None, "{text:?}");
        }
    }

    #[test]
    fn known_commands_parse_and_others_do_not() {
        let parse = |t: &str| Command::from_text(&CommandText::split(t).unwrap());
        assert_eq!(parse("/start strikes"), Some(Command::Start("strikes".into())));
        assert_eq!(parse("/topics please"), Some(Command::Topics));
        assert_eq!(parse("/unsubscribe"), Some(Command::Unsubscribe(String::new())));
        assert_eq!(parse("/SPRACHE en"), Some(Command::Language("en".into())));
        assert_eq!(parse("/frobnicate"), None);
    }

    #[test]
    fn deep_link_payloads_follow_telegrams_alphabet() {
        assert!(valid_payload("strikes"));
        assert!(valid_payload("inv_AbC-123"));
        assert!(!valid_payload(""));
        assert!(!valid_payload("a b"));
        assert!(!valid_payload("ümlaut"));
        assert!(!valid_payload(&"a".repeat(65)));
    }
}
