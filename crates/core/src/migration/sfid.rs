//! Salesforce record ids. Report exports write the 15-character, case-sensitive form; the API,
//! Data Loader and the weekly export write 18 characters, the 15 plus a three-character suffix
//! that encodes the case of the first 15 so the id survives case-insensitive tools. Every id is
//! kept in the 18-character form, so one record named both ways is one record.

use thiserror::Error;

const SUFFIX: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/// Why a value is not a Salesforce id.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdError {
    #[error("`{0}` is not a Salesforce id: ids have 15 or 18 letters and digits")]
    Shape(String),
    #[error("`{0}` is not a Salesforce id: its last three characters do not match the case of the first fifteen")]
    Checksum(String),
}

/// The three-character suffix of a 15-character id: for each block of five characters, the bits
/// of which ones are upper-case letters.
fn suffix(id15: &[u8]) -> [u8; 3] {
    let mut out = [0u8; 3];
    for (block, slot) in id15.chunks(5).zip(out.iter_mut()) {
        let bits = block
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_ascii_uppercase())
            .fold(0usize, |acc, (i, _)| acc | 1 << i);
        *slot = SUFFIX[bits];
    }
    out
}

/// The 18-character form of a 15- or 18-character id (surrounding spaces ignored). An
/// 18-character id whose suffix disagrees with its case is refused: it was retyped or
/// case-folded, and its first fifteen characters no longer name the record.
pub fn to_18(id: &str) -> Result<String, IdError> {
    let id = id.trim();
    let bytes = id.as_bytes();
    if !(bytes.len() == 15 || bytes.len() == 18) || !bytes.iter().all(u8::is_ascii_alphanumeric) {
        return Err(IdError::Shape(id.to_string()));
    }
    let s = suffix(&bytes[..15]);
    if bytes.len() == 18 {
        // The suffix itself is case-insensitive (tools upper- or lower-case it).
        if !bytes[15..].eq_ignore_ascii_case(&s) {
            return Err(IdError::Checksum(id.to_string()));
        }
        return Ok(format!(
            "{}{}",
            &id[..15],
            std::str::from_utf8(&s).expect("ascii")
        ));
    }
    Ok(format!("{id}{}", std::str::from_utf8(&s).expect("ascii")))
}

/// The 18-character form of an optional reference field: blank is none; Salesforce's empty
/// id `000000000000000AAA` is none too.
pub fn reference(value: &str) -> Result<Option<String>, IdError> {
    let v = value.trim();
    if v.is_empty() || v.bytes().take(15).all(|b| b == b'0') {
        return Ok(None);
    }
    to_18(v).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_ids_gain_their_suffix() {
        // Documented examples of 15 -> 18 conversion.
        assert_eq!(to_18("001A0000006Vm9r").unwrap(), "001A0000006Vm9rIAC");
        assert_eq!(to_18("003A000000Bc4Rw").unwrap(), "003A000000Bc4RwIAJ");
        assert_eq!(to_18(" 001A0000006Vm9rIAC ").unwrap(), "001A0000006Vm9rIAC");
        assert_eq!(to_18("001A0000006Vm9riac").unwrap(), "001A0000006Vm9rIAC");
    }

    #[test]
    fn bad_ids_say_why() {
        assert!(matches!(to_18("001A0000006Vm9"), Err(IdError::Shape(_))));
        assert!(matches!(
            to_18("001A0000006Vm9r-AC"),
            Err(IdError::Shape(_))
        ));
        // Upper-cased by a spreadsheet: the suffix no longer fits.
        assert!(matches!(
            to_18("001A0000006VM9RIAC"),
            Err(IdError::Checksum(_))
        ));
        assert_eq!(reference("").unwrap(), None);
        assert_eq!(reference("000000000000000AAA").unwrap(), None);
    }

    proptest! {
        #[test]
        fn the_18_form_keeps_the_15_and_is_stable(id in "[0-9A-Za-z]{15}") {
            let long = to_18(&id).unwrap();
            prop_assert_eq!(&long[..15], id.as_str());
            prop_assert_eq!(to_18(&long).unwrap(), long.clone());
            prop_assert_eq!(to_18(&long.to_lowercase()[..15]).is_ok(), true);
        }

        #[test]
        fn ids_differing_only_in_case_differ_without_case(id in "[a-z]{1}[0-9A-Za-z]{14}") {
            let other = format!("{}{}", id[..1].to_uppercase(), &id[1..]);
            let (a, b) = (to_18(&id).unwrap(), to_18(&other).unwrap());
            prop_assert_ne!(a.to_lowercase(), b.to_lowercase());
        }
    }
}
