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

/// Declares a fieldless enum with explicit discriminants in the given integer
/// representation, plus the conversions every ABI enum needs:
/// `ALL`, `value`, `from_value`, `TryFrom<repr>` and `From<Self> for repr`.
macro_rules! abi_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : $repr:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $value:expr
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr($repr)]
        $vis enum $name {
            $(
                $(#[$vmeta])*
                $variant = $value,
            )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The raw value used on the wire.
            #[inline]
            pub const fn value(self) -> $repr {
                self as $repr
            }

            /// Decodes a raw value, or `None` if no variant has it.
            #[inline]
            pub const fn from_value(value: $repr) -> Option<Self> {
                $(
                    if value == $value {
                        return Some(Self::$variant);
                    }
                )+
                None
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
