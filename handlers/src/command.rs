//! Commands as typed, split from message text. Splitting is ours rather
//! than `BotCommands`' so that extra or garbage arguments get a precise
//! answer and commands meant for other bots in a group are told apart; the
//! registry (`registry.rs`) says which names are commands.

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
    fn deep_link_payloads_follow_telegrams_alphabet() {
        assert!(valid_payload("strikes"));
        assert!(valid_payload("inv_AbC-123"));
        assert!(!valid_payload(""));
        assert!(!valid_payload("a b"));
        assert!(!valid_payload("ümlaut"));
        assert!(!valid_payload(&"a".repeat(65)));
    }
}
