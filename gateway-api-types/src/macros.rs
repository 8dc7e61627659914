//! Declarative macros that generate the repetitive parts of the API types.
//!
//! * [`string_enum!`](crate::string_enum) — a closed Gateway API enum (`PathMatchType`, ...) that
//!   still deserializes values it does not know, so validation can report them instead of the
//!   parse failing.
//! * [`string_newtype!`](crate::string_newtype) — a validated string type (`Hostname`,
//!   `ObjectName`, ...) that carries its OpenAPI constraints in its schema.

/// Defines a closed string enum with an `Unrecognized(String)` catch-all variant.
///
/// Known variants (de)serialize as their wire string. Any other string deserializes into
/// `Unrecognized` and serializes back unchanged. The JSON schema lists only the known values.
/// Variants prefixed with `[feature = "experimental"]` exist only with the `experimental` cargo feature; the
/// schema lists them only for the experimental channel (see [`crate::schema::Channel`]).
#[macro_export]
#[doc(hidden)]
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[doc = $vdoc:literal])*
                $([$fkey:ident = $fval:literal])?
                $variant:ident = $wire:literal,
            )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        $vis enum $name {
            $(
                $(#[doc = $vdoc])*
                $(#[cfg($fkey = $fval)])?
                $variant,
            )+
            /// A value this version of the crate does not know. Kept verbatim so that it
            /// serializes back unchanged and validation can report it as not supported.
            Unrecognized(::std::string::String),
        }

        impl $name {
            /// Every wire value upstream defines, in upstream's order, with whether it exists
            /// only in the experimental channel.
            pub const VALUES: &'static [(&'static str, bool)] =
                &[$(($wire, $crate::string_enum!(@is_exp $($fkey)?))),+];

            /// The wire values of `channel`, in upstream's order.
            pub fn values(channel: $crate::Channel) -> impl Iterator<Item = &'static str> + Clone {
                Self::VALUES
                    .iter()
                    .filter(move |(_, exp)| !exp || channel == $crate::Channel::Experimental)
                    .map(|(v, _)| *v)
            }

            /// The wire string of this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $(
                        $(#[cfg($fkey = $fval)])?
                        Self::$variant => $wire,
                    )+
                    Self::Unrecognized(s) => s.as_str(),
                }
            }

            /// Whether this is one of the values this build knows (not [`Self::Unrecognized`]).
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unrecognized(_))
            }

            /// Parses a wire string; unknown strings become [`Self::Unrecognized`].
            pub fn from_wire(s: &str) -> Self {
                match s {
                    $(
                        $(#[cfg($fkey = $fval)])?
                        $wire => Self::$variant,
                    )+
                    other => Self::Unrecognized(other.to_owned()),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from_wire(s))
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self::from_wire(s)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                Ok(Self::from_wire(&s))
            }
        }

        impl ::schemars::JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                let standard: Vec<&str> = Self::values($crate::Channel::Standard).collect();
                let experimental: Vec<&str> = Self::values($crate::Channel::Experimental).collect();
                $crate::schema::string_enum_schema(&standard, &experimental)
            }
        }
    };
    (@is_exp) => { false };
    (@is_exp $fkey:ident) => { true };
}

/// Defines a string newtype (`Hostname`, `ObjectName`, ...) whose schema carries the OpenAPI
/// constraints that upstream puts on the Go type.
#[macro_export]
#[doc(hidden)]
macro_rules! string_newtype {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident;
        schema: $schema:expr
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(transparent)]
        $vis struct $name(pub ::std::string::String);

        impl $name {
            /// Wraps a string. No validation happens here; see `gateway-api-validate`.
            pub fn new(s: impl Into<::std::string::String>) -> Self {
                Self(s.into())
            }
            /// The string value.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl ::std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl ::std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl From<::std::string::String> for $name {
            fn from(s: ::std::string::String) -> Self {
                Self(s)
            }
        }

        impl From<$name> for ::std::string::String {
            fn from(s: $name) -> Self {
                s.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl ::schemars::JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                let v: ::serde_json::Value = $schema;
                ::schemars::Schema::try_from(v).unwrap_or_default()
            }
        }
    };
}
