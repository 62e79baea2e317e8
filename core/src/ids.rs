//! The ids Basis stores, each a type of its own: a draft's id cannot be
//! passed where a chat's is wanted, and a user's id cannot be taken for
//! the id of the private chat with them without saying so
//! ([`UserId::private_chat`]).
//!
//! Each is an `i64` on the wire and in both engines (`sqlx` reads and
//! binds it as its number), prints as its number, and is a plain number in JSON. With the feature
//! `teloxide`, Telegram's chat and user ids convert into them and back.

/// Declares an id: a number with a meaning, stored as `BIGINT`/`INTEGER`.
macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        #[derive(serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                text.parse().map($name)
            }
        }

        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            i64: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <i64 as sqlx::Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <i64 as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
        where
            i64: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <i64 as sqlx::Encode<'q, DB>>::encode_by_ref(&self.0, buf)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            i64: sqlx::Decode<'r, DB>,
        {
            fn decode(value: <DB as sqlx::Database>::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                <i64 as sqlx::Decode<'r, DB>>::decode(value).map($name)
            }
        }

        impl sqlx::postgres::PgHasArrayType for $name {
            fn array_type_info() -> sqlx::postgres::PgTypeInfo {
                <i64 as sqlx::postgres::PgHasArrayType>::array_type_info()
            }
        }
    };
}

id_type! {
    /// A Telegram chat: a member's private chat, a group, a channel.
    /// Groups and channels have negative ids.
    ChatId
}

id_type! {
    /// A Telegram user: an organizer, an owner, whoever pressed a button.
    UserId
}

id_type! {
    /// A draft: a post or an assembly's announcement before it is queued.
    DraftId
}

id_type! {
    /// A queued post, with its deliveries.
    BroadcastId
}

id_type! {
    /// An assembly (a union's meeting, with its answers and reminders).
    EventId
}

impl UserId {
    /// The private chat with this user: Telegram gives it the user's id.
    pub fn private_chat(self) -> ChatId {
        ChatId(self.0)
    }
}

impl ChatId {
    /// Whether this is a private chat (with a user): groups and channels
    /// have negative ids.
    pub fn is_private(self) -> bool {
        self.0 > 0
    }
}

#[cfg(feature = "teloxide")]
mod telegram {
    use super::{ChatId, UserId};
    use teloxide_core::types;

    impl From<types::ChatId> for ChatId {
        fn from(id: types::ChatId) -> ChatId {
            ChatId(id.0)
        }
    }

    impl From<ChatId> for types::ChatId {
        fn from(id: ChatId) -> types::ChatId {
            types::ChatId(id.0)
        }
    }

    impl From<ChatId> for types::Recipient {
        fn from(id: ChatId) -> types::Recipient {
            types::Recipient::Id(id.into())
        }
    }

    impl From<types::UserId> for UserId {
        /// Telegram's user ids have at most 52 significant bits, so every
        /// one fits.
        fn from(id: types::UserId) -> UserId {
            UserId(id.0 as i64)
        }
    }

    impl From<UserId> for types::UserId {
        fn from(id: UserId) -> types::UserId {
            types::UserId(id.0 as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_print_and_parse_as_their_numbers() {
        assert_eq!(ChatId(-1001234).to_string(), "-1001234");
        assert_eq!("42".parse::<DraftId>().unwrap(), DraftId(42));
        assert!("x".parse::<EventId>().is_err());
        assert_eq!(UserId(7).private_chat(), ChatId(7));
        assert!(ChatId(7).is_private() && !ChatId(-7).is_private());
    }
}
