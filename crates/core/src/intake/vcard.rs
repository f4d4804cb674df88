//! vCard files (2.1, 3.0, 4.0) as phones, mail clients and card scanners export them, read
//! into person records. Lenient where exports are sloppy (folded lines, group prefixes, 2.1
//! parameters without names, quoted-printable), strict only about what a card must have.

use crate::matching::PersonRecord;

/// One card that could not be read, with the 1-based line where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VcardError {
    pub line: usize,
    pub message: String,
}

/// A card read from the file: its 1-based starting line, and the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VcardPerson {
    pub line: usize,
    pub record: PersonRecord,
}

/// A content line after unfolding: property name, parameters, raw value.
struct Property {
    name: String,
    params: Vec<(String, String)>,
    value: String,
}

impl Property {
    /// True when a TYPE parameter (3.0/4.0 `TYPE=work,pref`, 2.1 bare `WORK`) names `t`.
    fn has_type(&self, t: &str) -> bool {
        self.params.iter().any(|(k, v)| {
            (k == "type" || k.is_empty())
                && v.split(',').any(|x| x.trim().eq_ignore_ascii_case(t))
        })
    }

    fn preferred(&self) -> bool {
        self.has_type("pref") || self.params.iter().any(|(k, v)| k == "pref" && v.trim() == "1")
    }
}

/// Parses every BEGIN:VCARD..END:VCARD block of a .vcf file (vCard 2.1, 3.0 and 4.0).
pub fn parse_vcards(input: &str) -> (Vec<VcardPerson>, Vec<VcardError>) {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let mut people = Vec::new();
    let mut errors = Vec::new();
    let mut card: Option<(usize, Vec<Property>)> = None;
    for (line, text) in unfold(input) {
        let Some(prop) = parse_line(&text) else {
            continue;
        };
        match (prop.name.as_str(), &mut card) {
            ("begin", _) if prop.value.trim().eq_ignore_ascii_case("vcard") => {
                if let Some((start, _)) = card.take() {
                    errors.push(unterminated(start));
                }
                card = Some((line, Vec::new()));
            }
            ("end", Some(_)) if prop.value.trim().eq_ignore_ascii_case("vcard") => {
                if let Some((start, props)) = card.take() {
                    match person_of(&props) {
                        Some(record) => people.push(VcardPerson {
                            line: start,
                            record,
                        }),
                        None => errors.push(VcardError {
                            line: start,
                            message: "card has no name, email or company".into(),
                        }),
                    }
                }
            }
            (_, Some((_, props))) => props.push(prop),
            (_, None) => {}
        }
    }
    if let Some((start, _)) = card {
        errors.push(unterminated(start));
    }
    (people, errors)
}

fn unterminated(line: usize) -> VcardError {
    VcardError {
        line,
        message: "card has no END:VCARD; the file may be cut off".into(),
    }
}

/// Logical lines with the physical line each starts on: a line beginning with a space or tab
/// continues the previous one (RFC 6350 folding), and a quoted-printable value ending in `=`
/// continues on the next line (vCard 2.1 soft breaks).
fn unfold(input: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut soft_break = false;
    for (i, raw) in input.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if soft_break {
            if let Some((_, last)) = out.last_mut() {
                last.pop(); // the '=' of the soft break
                last.push_str(raw);
                soft_break = is_qp_soft_break(last);
                continue;
            }
        }
        if (raw.starts_with(' ') || raw.starts_with('\t')) && !out.is_empty() {
            if let Some((_, last)) = out.last_mut() {
                last.push_str(&raw[1..]);
                soft_break = is_qp_soft_break(last);
            }
            continue;
        }
        if raw.trim().is_empty() {
            soft_break = false;
            continue;
        }
        out.push((i + 1, raw.to_string()));
        soft_break = is_qp_soft_break(raw);
    }
    out
}

fn is_qp_soft_break(line: &str) -> bool {
    line.ends_with('=') && line.to_ascii_uppercase().contains("QUOTED-PRINTABLE")
}

/// `group.NAME;PARAM=V;BARE:value` into its parts; `None` for a line with no colon.
fn parse_line(line: &str) -> Option<Property> {
    let colon = colon_outside_quotes(line)?;
    let (head, value) = (&line[..colon], &line[colon + 1..]);
    let mut parts = head.split(';');
    let name = parts.next()?.trim();
    let name = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase();
    let params = parts
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.trim().to_ascii_lowercase(), v.trim().trim_matches('"').to_string()),
            None => (String::new(), p.trim().to_string()),
        })
        .collect();
    Some(Property {
        name,
        params,
        value: value.to_string(),
    })
}

/// The first colon not inside a double-quoted parameter value (`TYPE="a:b"`).
fn colon_outside_quotes(line: &str) -> Option<usize> {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ':' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

/// The value as text: quoted-printable decoded when the parameters say so. Decoded bytes are
/// read as UTF-8 (what every current exporter writes); anything else is kept lossily.
fn text_of(p: &Property) -> String {
    let qp = p.params.iter().any(|(k, v)| {
        (k == "encoding" || k.is_empty()) && v.eq_ignore_ascii_case("quoted-printable")
    });
    if qp {
        decode_quoted_printable(&p.value)
    } else {
        p.value.clone()
    }
}

fn decode_quoted_printable(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits a structured value on unescaped `;` and unescapes each component.
fn components(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n' | 'N') => cur.push('\n'),
                Some(other) => cur.push(other),
                None => {}
            },
            ';' => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// One unescaped value (a structured value's first component).
fn unescape(value: &str) -> String {
    components(value).into_iter().next().unwrap_or_default()
}

fn clean(v: impl AsRef<str>) -> Option<String> {
    let v = v.as_ref().split_whitespace().collect::<Vec<_>>().join(" ");
    Some(v).filter(|v| !v.is_empty())
}

/// The property to use among several of one kind: the preferred one, else a work one, else
/// the first.
fn best<'a>(props: &'a [Property], name: &str, second: &str) -> Option<&'a Property> {
    let all: Vec<&Property> = props.iter().filter(|p| p.name == name).collect();
    all.iter()
        .find(|p| p.preferred())
        .or_else(|| all.iter().find(|p| p.has_type(second)))
        .or_else(|| all.first())
        .copied()
}

fn person_of(props: &[Property]) -> Option<PersonRecord> {
    let mut r = PersonRecord::default();
    if let Some(n) = props.iter().find(|p| p.name == "n") {
        let parts = components(&text_of(n));
        r.last_name = parts.first().and_then(clean);
        r.first_name = parts.get(1).and_then(clean);
    }
    if r.first_name.is_none() && r.last_name.is_none() {
        if let Some(fn_) = props.iter().find(|p| p.name == "fn").and_then(|p| clean(unescape(&text_of(p)))) {
            match fn_.rsplit_once(' ') {
                Some((first, last)) => {
                    r.first_name = clean(first);
                    r.last_name = clean(last);
                }
                None => r.first_name = Some(fn_),
            }
        }
    }
    let value = |p: &Property| clean(unescape(&text_of(p)));
    r.email = best(props, "email", "work").and_then(value);
    r.phone = best(props, "tel", "work").and_then(value);
    r.company = props.iter().find(|p| p.name == "org").and_then(value);
    r.title = props
        .iter()
        .find(|p| p.name == "title")
        .or_else(|| props.iter().find(|p| p.name == "role"))
        .and_then(value);
    r.website = props.iter().find(|p| p.name == "url").and_then(value);
    if let Some(adr) = best(props, "adr", "work") {
        let parts = components(&text_of(adr));
        r.city = parts.get(3).and_then(clean);
        r.state = parts.get(4).and_then(clean);
        r.country = parts.get(6).and_then(clean);
    }
    let has_identity =
        r.first_name.is_some() || r.last_name.is_some() || r.email.is_some() || r.company.is_some();
    has_identity.then_some(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn one(input: &str) -> PersonRecord {
        let (people, errors) = parse_vcards(input);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(people.len(), 1);
        people.into_iter().next().unwrap().record
    }

    #[test]
    fn apple_contacts_with_groups_and_folded_lines() {
        let r = one("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lovelace;Ada;Augusta;;\r\nFN:Ada Lovelace\r\nORG:Analytical Engines\\, Ltd.;Research\r\nTITLE:Chief Technology\r\n  Officer\r\nitem1.EMAIL;type=INTERNET;type=pref:ada@analytical.co.uk\r\nEMAIL;type=INTERNET;type=HOME:ada@gmail.com\r\nTEL;type=CELL:+44 20 7946 0000\r\nTEL;type=WORK:+44 20 7946 0001\r\nitem2.ADR;type=WORK:;;12 Dorset St;London;;W1U 4EH;United Kingdom\r\nitem3.URL:https://analytical.co.uk\r\nPHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD\r\n /2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHR\r\nEND:VCARD\r\n");
        assert_eq!(r.first_name.as_deref(), Some("Ada"));
        assert_eq!(r.last_name.as_deref(), Some("Lovelace"));
        assert_eq!(r.company.as_deref(), Some("Analytical Engines, Ltd."));
        assert_eq!(r.title.as_deref(), Some("Chief Technology Officer"));
        assert_eq!(r.email.as_deref(), Some("ada@analytical.co.uk"));
        assert_eq!(r.phone.as_deref(), Some("+44 20 7946 0001"));
        assert_eq!(r.city.as_deref(), Some("London"));
        assert_eq!(r.country.as_deref(), Some("United Kingdom"));
        assert_eq!(r.website.as_deref(), Some("https://analytical.co.uk"));
    }

    #[test]
    fn outlook_21_with_quoted_printable_utf8() {
        let r = one("BEGIN:VCARD\nVERSION:2.1\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen\nORG;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:B=C3=A4cker & S=C3=B6hne Gmb=\nH\nEMAIL;PREF;INTERNET:juergen@baecker-soehne.de\nTEL;WORK;VOICE:+49 30 1234567\nEND:VCARD\n");
        assert_eq!(r.first_name.as_deref(), Some("Jürgen"));
        assert_eq!(r.last_name.as_deref(), Some("Müller"));
        assert_eq!(r.company.as_deref(), Some("Bäcker & Söhne GmbH"));
        assert_eq!(r.email.as_deref(), Some("juergen@baecker-soehne.de"));
        assert_eq!(r.phone.as_deref(), Some("+49 30 1234567"));
    }

    #[test]
    fn google_40_export_and_a_name_only_in_fn() {
        let r = one("BEGIN:VCARD\nVERSION:4.0\nFN:Grace Brewster Hopper\nEMAIL;TYPE=work;PREF=1:grace@navy.mil\nEMAIL:g@example.com\nROLE:Rear Admiral\nEND:VCARD\n");
        assert_eq!(r.first_name.as_deref(), Some("Grace Brewster"));
        assert_eq!(r.last_name.as_deref(), Some("Hopper"));
        assert_eq!(r.email.as_deref(), Some("grace@navy.mil"));
        assert_eq!(r.title.as_deref(), Some("Rear Admiral"));
    }

    #[test]
    fn a_cut_off_file_and_an_empty_card_are_reported_by_line() {
        let (people, errors) = parse_vcards(
            "junk before\nBEGIN:VCARD\nFN:Ann Lee\nEND:VCARD\nBEGIN:VCARD\nNOTE:nothing\nEND:VCARD\nBEGIN:VCARD\nFN:Cut Off\n",
        );
        assert_eq!(people.len(), 1);
        assert_eq!(people[0].line, 2);
        assert_eq!(
            errors,
            [
                VcardError { line: 5, message: "card has no name, email or company".into() },
                VcardError { line: 8, message: "card has no END:VCARD; the file may be cut off".into() },
            ]
        );
    }

    fn escape(v: &str) -> String {
        v.replace('\\', "\\\\").replace(',', "\\,").replace(';', "\\;")
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_vcards(&s);
        }

        #[test]
        fn never_panics_on_card_shaped_input(body in "(BEGIN:VCARD|END:VCARD|N;ENCODING=QUOTED-PRINTABLE:=[0-9A-F=]{0,6}|ORG:[^\n]{0,8}| [^\n]{0,5}|\r?\n){0,12}") {
            let _ = parse_vcards(&body);
        }

        #[test]
        fn escaped_values_round_trip(
            first in "[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ ,;\\\\.'-]{0,15}[A-Za-zÀ-ÿ]",
            last in "[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ,.'-]{0,15}",
            org in "[A-Za-z0-9&][A-Za-z0-9&,;. -]{0,20}[A-Za-z0-9.]",
        ) {
            let card = format!("BEGIN:VCARD\r\nVERSION:3.0\r\nN:{};{};;;\r\nORG:{}\r\nEND:VCARD\r\n", escape(&last), escape(&first), escape(&org));
            let r = one(&card);
            let norm = |v: &str| clean(v);
            prop_assert_eq!(r.first_name, norm(&first));
            prop_assert_eq!(r.last_name, norm(&last));
            prop_assert_eq!(r.company, norm(&org));
        }
    }
}
