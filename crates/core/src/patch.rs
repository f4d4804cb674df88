//! Partial updates. A PATCH body distinguishes a field that is absent (leave it) from one that is
//! `null` (clear it); [`Patch`] carries that difference through to the store.

use serde::{Deserialize, Deserializer, Serialize};

/// What a partial update says about one field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// The field was not in the update: keep the stored value.
    #[default]
    Keep,
    /// The field was `null`: clear the stored value.
    Clear,
    /// The field has a new value.
    Set(T),
}

impl<T> Patch<T> {
    /// The value after applying this patch to `current`.
    pub fn apply(self, current: Option<T>) -> Option<T> {
        match self {
            Patch::Keep => current,
            Patch::Clear => None,
            Patch::Set(v) => Some(v),
        }
    }

    /// True when the update leaves the field alone.
    pub fn is_keep(&self) -> bool {
        matches!(self, Patch::Keep)
    }

    /// Maps the new value, keeping `Keep` and `Clear` as they are.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(v) => Patch::Set(f(v)),
        }
    }

    /// The new value, if the patch sets one.
    pub fn as_set(&self) -> Option<&T> {
        match self {
            Patch::Set(v) => Some(v),
            _ => None,
        }
    }
}

impl<T> From<Option<T>> for Patch<T> {
    fn from(v: Option<T>) -> Self {
        match v {
            Some(v) => Patch::Set(v),
            None => Patch::Clear,
        }
    }
}

// Deserialized only when the key is present (fields use `#[serde(default)]`), so a present
// `null` is `Clear` and an absent key stays `Keep`.
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Option::<T>::deserialize(d)?.into())
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Patch::Set(v) => s.serialize_some(v),
            _ => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct P {
        #[serde(default)]
        a: Patch<String>,
    }

    #[test]
    fn absent_null_and_value_are_three_different_patches() {
        let absent: P = serde_json::from_str("{}").unwrap();
        let null: P = serde_json::from_str(r#"{"a":null}"#).unwrap();
        let set: P = serde_json::from_str(r#"{"a":"x"}"#).unwrap();
        assert_eq!(
            (absent.a, null.a, set.a),
            (Patch::Keep, Patch::Clear, Patch::Set("x".to_string()))
        );
    }
}
