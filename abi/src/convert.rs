//! Shared machinery for ABI enums: the `abi_enum!` generator and its conversion error.

use core::fmt;

/// A raw ABI value that does not name any variant of the target enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnknownValue<T>(pub T);

impl<T: fmt::Display> fmt::Display for UnknownValue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown ABI value {}", self.0)
    }
}

/// Declares a fieldless enum in the given integer representation, plus the conversions every
/// ABI enum needs: `ALL`, `value`, `from_value`, `TryFrom<repr>` and `From<Self> for repr`.
///
/// A variant without a value takes the previous one's plus one, and a variant may carry a
/// `#[cfg(...)]`: a list that leaves out what a configuration lacks numbers the rest as seL4's
/// header generator does.
macro_rules! abi_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : $repr:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident $(= $value:expr)?
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr($repr)]
        $vis enum $name {
            $(
                $(#[$vmeta])*
                $variant $(= $value)?,
            )+
        }

        impl $name {
            /// Every variant, in declaration order.
            #[allow(unused_doc_comments)]
            pub const ALL: &'static [Self] = &[$($(#[$vmeta])* Self::$variant),+];

            /// The raw value used on the wire.
            #[inline]
            pub const fn value(self) -> $repr {
                self as $repr
            }

            /// Decodes a raw value, or `None` if no variant has it.
            #[inline]
            #[allow(unused_doc_comments)]
            pub const fn from_value(value: $repr) -> Option<Self> {
                match value {
                    $(
                        $(#[$vmeta])*
                        v if v == Self::$variant as $repr => Some(Self::$variant),
                    )+
                    _ => None,
                }
            }
        }

        impl TryFrom<$repr> for $name {
            type Error = $crate::convert::UnknownValue<$repr>;

            #[inline]
            fn try_from(value: $repr) -> Result<Self, Self::Error> {
                Self::from_value(value).ok_or($crate::convert::UnknownValue(value))
            }
        }

        impl From<$name> for $repr {
            #[inline]
            fn from(v: $name) -> $repr {
                v as $repr
            }
        }
    };
}

pub(crate) use abi_enum;
