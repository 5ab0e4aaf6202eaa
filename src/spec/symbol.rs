//! Closed sets of symbols a field accepts (`positive`, `round_robin`, `agent`...): the
//! [`Symbolic`] trait and the `symbols!` macro that declares such an enum with its names for
//! the field tables, its text and serde as that text.

/// An enum whose values are written as symbols.
pub trait Symbolic: Sized + Copy {
    /// Every symbol's text, in declaration order.
    const NAMES: &'static [&'static str];
    fn name(self) -> &'static str;
    fn from_name(name: &str) -> Option<Self>;
}

/// Declares an enum of symbols: `NAMES`, `as_str`, `from_name`, serde as the text, and
/// [`Symbolic`].
macro_rules! symbols {
    ($(#[$m:meta])* pub enum $Name:ident { $($(#[$vm:meta])* $Variant:ident = $text:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $Name {
            $($(#[$vm])* #[serde(rename = $text)] $Variant),*
        }

        impl $Name {
            /// Every symbol's text, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($text),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($Name::$Variant => $text),*
                }
            }

            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $($text => Some($Name::$Variant),)*
                    _ => None,
                }
            }
        }

        impl $crate::spec::symbol::Symbolic for $Name {
            const NAMES: &'static [&'static str] = $Name::NAMES;
            fn name(self) -> &'static str {
                self.as_str()
            }
            fn from_name(name: &str) -> Option<Self> {
                $Name::from_name(name)
            }
        }
    };
}
pub(crate) use symbols;
