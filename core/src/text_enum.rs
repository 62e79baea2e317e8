//! One codec for every state Basis stores as text.

/// Declares an enum whose values are stored as fixed texts:
///
/// ```ignore
/// text_enum! {
///     /// Whether later posts reach the chat.
///     pub enum ChatStatus { Active = "active", Blocked = "blocked" }
/// }
/// ```
///
/// It gets `as_str`, `parse`, `Display`, `TryFrom<String>` (for
/// `#[sqlx(try_from = "String")]`), and `sqlx::Type`, `Encode` and
/// `Decode` for SQLite and PostgreSQL as `TEXT`. A text that names no
/// value fails to decode, with the text in the error.
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $( $(#[$vmeta])* $variant ),+ }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The text it is stored as.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The value stored as `text`.
            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(value: String) -> Result<Self, String> {
                $name::parse(&value).ok_or_else(|| format!(concat!("unknown ", stringify!($name), " `{}`"), value))
            }
        }

        $crate::text_column!($name, |value| value.as_str().to_owned(), |text| Ok($name::try_from(text.to_owned())?));
    };
}

/// Stores a type as one text column on both engines: `sqlx::Type`,
/// `Encode` and `Decode` for SQLite and PostgreSQL as `TEXT`. The first
/// closure turns a value into its text, the second a stored text into the
/// value, or into an error that names the text.
#[doc(hidden)]
#[macro_export]
macro_rules! text_column {
    ($name:ty, |$value:ident| $encode:expr, |$text:ident| $decode:expr) => {
        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            str: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as sqlx::Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
        where
            String: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                let $value = self;
                let text: String = $encode;
                <String as sqlx::Encode<'q, DB>>::encode(text, buf)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(value: <DB as sqlx::Database>::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let $text: &str = <&'r str as sqlx::Decode<'r, DB>>::decode(value)?;
                $decode
            }
        }
    };
}
