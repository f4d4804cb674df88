//! vCard files (2.1, 3.0, 4.0) as phones, mail clients and card scanners export them, read
//! into person records. Lenient where exports are sloppy (folded lines, group prefixes, 2.1
//! parameters without names, quoted-printable in UTF-8 or Windows-1252), strict only about
//! what a card must have to become a contact: a name, an email or a company.

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

const NO_IDENTITY: &str = "card has no name, email or company";
const CUT_OFF: &str = "card has no END:VCARD; the file may be cut off";

/// The properties a record is built from. Everything else (PHOTO, NOTE, X-...) is dropped as
/// soon as its line is read, so a card with a large embedded photo costs no extra memory.
const READ: &[&str] = &[
    "n", "fn", "org", "title", "role", "email", "tel", "adr", "url",
];

/// Parses every BEGIN:VCARD..END:VCARD block of a .vcf file (vCard 2.1, 3.0 and 4.0).
pub fn parse_vcards(input: &str) -> (Vec<VcardPerson>, Vec<VcardError>) {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let mut people = Vec::new();
    let mut errors = Vec::new();
    let mut card: Option<OpenCard> = None;
    for (line, text) in unfold(input) {
        let Some(prop) = parse_line(&text) else {
            continue;
        };
        if prop.is_marker("begin") {
            if let Some(unfinished) = card.replace(OpenCard::new(line)) {
                errors.push(VcardError {
                    line: unfinished.line,
                    message: CUT_OFF.into(),
                });
            }
        } else if prop.is_marker("end") {
            match card.take().map(OpenCard::finish) {
                Some(Ok(person)) => people.push(person),
                Some(Err(error)) => errors.push(error),
                None => {}
            }
        } else if let Some(open) = card.as_mut() {
            open.push(prop);
        }
    }
    if let Some(unfinished) = card {
        errors.push(VcardError {
            line: unfinished.line,
            message: CUT_OFF.into(),
        });
    }
    (people, errors)
}

/// A card whose BEGIN has been read and whose END has not yet.
struct OpenCard {
    line: usize,
    props: Vec<Property>,
}

impl OpenCard {
    fn new(line: usize) -> Self {
        OpenCard {
            line,
            props: Vec::new(),
        }
    }

    fn push(&mut self, prop: Property) {
        if READ.contains(&prop.name.as_str()) {
            self.props.push(prop);
        }
    }

    fn finish(self) -> Result<VcardPerson, VcardError> {
        let record = record_of(&self.props);
        let identified = record.first_name.is_some()
            || record.last_name.is_some()
            || record.email.is_some()
            || record.company.is_some();
        if identified {
            Ok(VcardPerson {
                line: self.line,
                record,
            })
        } else {
            Err(VcardError {
                line: self.line,
                message: NO_IDENTITY.into(),
            })
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Lines

/// Physical lines with their 1-based numbers. `\r\n`, `\n` and a lone `\r` (classic Mac OS
/// exports) all end a line, so line numbers match what an editor shows.
fn physical_lines(input: &str) -> impl Iterator<Item = (usize, &str)> {
    input
        .split('\n')
        .flat_map(|l| l.strip_suffix('\r').unwrap_or(l).split('\r'))
        .enumerate()
        .map(|(i, l)| (i + 1, l))
}

/// Logical lines with the physical line each starts on. A line beginning with a space or tab
/// continues the previous one (RFC 6350 folding; the one whitespace character is the fold, not
/// content), and a quoted-printable value ending in `=` continues on the next line (2.1 soft
/// break). A soft break never swallows a BEGIN/END line, so a stray trailing `=` cannot merge
/// two cards.
fn unfold(input: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut quoted_printable = false;
    let mut soft_break = false;
    for (number, raw) in physical_lines(input) {
        let folded = raw.strip_prefix(' ').or_else(|| raw.strip_prefix('\t'));
        match out.last_mut() {
            Some((_, last)) if soft_break && !is_card_marker(raw) => {
                last.pop(); // the '=' that announced the soft break
                last.push_str(raw);
            }
            Some((_, last)) if folded.is_some() => last.push_str(folded.unwrap_or_default()),
            _ if raw.trim().is_empty() => {}
            _ => {
                out.push((number, raw.to_string()));
                quoted_printable = head_is_quoted_printable(raw);
            }
        }
        soft_break = quoted_printable && out.last().is_some_and(|(_, l)| l.ends_with('='));
    }
    out
}

fn is_card_marker(raw: &str) -> bool {
    let t = raw.trim();
    t.eq_ignore_ascii_case("begin:vcard") || t.eq_ignore_ascii_case("end:vcard")
}

/// Whether the part before the value names quoted-printable: only the head is looked at, so a
/// value that merely contains the words cannot start a soft break.
fn head_is_quoted_printable(line: &str) -> bool {
    let head = line.split(':').next().unwrap_or_default();
    head.to_ascii_uppercase().contains("QUOTED-PRINTABLE")
}

// ---------------------------------------------------------------------------------------------
// Properties

/// A content line after unfolding: property name (lower case, group dropped), parameters
/// (names lower case; a 2.1 bare parameter such as `WORK` is stored as `type=WORK`) and the raw
/// value.
struct Property {
    name: String,
    params: Vec<(String, String)>,
    value: String,
}

/// `group.NAME;PARAM=V;BARE:value` into its parts; `None` for a line with no colon.
fn parse_line(line: &str) -> Option<Property> {
    let colon = find_outside_quotes(line, ':')?;
    let head = line.get(..colon)?;
    let value = line.get(colon + 1..)?;
    let mut parts = split_outside_quotes(head, ';').into_iter();
    let name = parts.next()?.trim();
    let name = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase();
    Some(Property {
        name,
        params: parts.map(parse_param).collect(),
        value: value.to_string(),
    })
}

fn parse_param(p: &str) -> (String, String) {
    match p.split_once('=') {
        Some((k, v)) => (
            k.trim().to_ascii_lowercase(),
            v.trim().trim_matches('"').to_string(),
        ),
        None => ("type".to_string(), p.trim().to_string()),
    }
}

/// The byte offset of the first `needle` not inside a double-quoted parameter value
/// (`LABEL="Suite 5: East"`).
fn find_outside_quotes(s: &str, needle: char) -> Option<usize> {
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == needle && !quoted {
            return Some(i);
        }
    }
    None
}

fn split_outside_quotes(mut s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    while let Some(i) = find_outside_quotes(s, sep) {
        out.push(s.get(..i).unwrap_or_default());
        s = s.get(i + 1..).unwrap_or_default();
    }
    out.push(s);
    out
}

impl Property {
    /// True when a TYPE parameter (3.0/4.0 `TYPE=work,pref`, 2.1 bare `WORK`) names `t`.
    fn has_type(&self, t: &str) -> bool {
        self.param_values("type").any(|v| v.eq_ignore_ascii_case(t))
    }

    /// Every comma-separated value of the parameters called `key`.
    fn param_values<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.params
            .iter()
            .filter(move |(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
    }

    /// How strongly the card prefers this value, 1 being the strongest (4.0 `PREF=1..100`;
    /// 2.1/3.0 `TYPE=pref` counts as 1). `None` when it is not marked preferred at all.
    fn pref_rank(&self) -> Option<u32> {
        let numbered = self
            .param_values("pref")
            .filter_map(|v| v.parse().ok())
            .min();
        numbered.or_else(|| self.has_type("pref").then_some(1))
    }

    /// BEGIN:VCARD or END:VCARD (`kind` being "begin" or "end").
    fn is_marker(&self, kind: &str) -> bool {
        self.name == kind && self.value.trim().eq_ignore_ascii_case("vcard")
    }

    /// The value with any quoted-printable transfer encoding undone.
    fn decoded(&self) -> String {
        let mut encodings = self
            .param_values("encoding")
            .chain(self.param_values("type"));
        if encodings.any(|v| v.eq_ignore_ascii_case("quoted-printable")) {
            let legacy = self.param_values("charset").any(is_windows_1252_family);
            decode_quoted_printable(&self.value, legacy)
        } else {
            self.value.clone()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Value decoding

/// Charsets whose bytes are read as Windows-1252: Outlook writes `Windows-1252`, older phones
/// `ISO-8859-1`, and (as browsers do) Latin-1 labels are read as its superset.
fn is_windows_1252_family(charset: &str) -> bool {
    [
        "windows-1252",
        "cp1252",
        "iso-8859-1",
        "iso-8859-15",
        "latin1",
        "us-ascii",
    ]
    .iter()
    .any(|c| charset.eq_ignore_ascii_case(c))
}

/// Undoes `=XX` escapes. Lenient as exporters need: an `=` not followed by two hex digits is
/// kept, and a final `=` (a soft break with nothing after it) is dropped.
fn decode_quoted_printable(s: &str, windows_1252: bool) -> String {
    let bytes = s.strip_suffix('=').unwrap_or(s).as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'=')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten();
        match escaped.and_then(hex_byte) {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    text_of_bytes(out, windows_1252)
}

fn hex_byte(pair: &[u8]) -> Option<u8> {
    let hex = std::str::from_utf8(pair).ok()?;
    u8::from_str_radix(hex, 16).ok()
}

/// Decoded bytes as text. UTF-8 is what current exporters write and is tried first unless
/// the card names a Windows-1252 family charset; bytes that are not UTF-8 are read as
/// Windows-1252 either way, which maps every byte to a character, so a misdeclared charset
/// gives slightly wrong letters rather than replacement marks.
fn text_of_bytes(bytes: Vec<u8>, windows_1252: bool) -> String {
    if windows_1252 {
        return bytes.into_iter().map(windows_1252_char).collect();
    }
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => e.into_bytes().into_iter().map(windows_1252_char).collect(),
    }
}

/// Windows-1252 differs from Latin-1 only in 0x80..=0x9F (euro sign, curly quotes, dashes).
fn windows_1252_char(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// Splits a structured value (N, ADR, ORG) on unescaped `;` and unescapes each component.
fn components(value: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => push_escape(out.last_mut(), chars.next()),
            ';' => out.push(String::new()),
            _ => out.last_mut().into_iter().for_each(|s| s.push(c)),
        }
    }
    out
}

/// A single text value (TITLE, EMAIL, URL, ...) unescaped. A bare `;` is kept: 2.1 exporters
/// do not escape it, and `VP; Sales` should not lose its second half.
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => push_escape(Some(&mut out), chars.next()),
            _ => out.push(c),
        }
    }
    out
}

/// Appends what `\` followed by `next` stands for. Besides the RFC escapes (`\,` `\;` `\\`
/// `\n`) Apple Contacts writes `\:` in URLs; any other backslash is kept as written, since
/// 2.1 has no escapes and `DOMAIN\user` is data.
fn push_escape(out: Option<&mut String>, next: Option<char>) {
    let Some(out) = out else { return };
    match next {
        Some('n' | 'N') => out.push('\n'),
        Some(c @ (',' | ';' | '\\' | ':')) => out.push(c),
        Some(other) => {
            out.push('\\');
            out.push(other);
        }
        None => out.push('\\'),
    }
}

/// Trimmed, inner runs of whitespace (including unescaped newlines) made one space; `None`
/// when nothing is left.
fn clean(v: impl AsRef<str>) -> Option<String> {
    let v = v.as_ref().split_whitespace().collect::<Vec<_>>().join(" ");
    Some(v).filter(|v| !v.is_empty())
}

/// Drops a URI scheme that 4.0 writes in front of some values (`tel:+1...`, `mailto:a@b`).
fn strip_scheme<'a>(v: &'a str, scheme: &str) -> &'a str {
    match v.get(..scheme.len()) {
        Some(head) if head.eq_ignore_ascii_case(scheme) => v.get(scheme.len()..).unwrap_or(v),
        _ => v,
    }
}

// ---------------------------------------------------------------------------------------------
// Building the record

/// Which marking decides first among several values of one property.
#[derive(Clone, Copy)]
enum Favour {
    /// EMAIL: the one the person marked preferred, then a work one.
    Preferred,
    /// TEL, ADR: a work one, then a preferred one (a CRM calls the office, not the mobile
    /// someone marked as their own favourite).
    Work,
}

/// The value to use among several properties called `name`: by `favour`, then the first.
/// Properties whose value reads as empty are passed over, so `EMAIL;TYPE=pref:` does not hide
/// a real address.
fn pick<T>(
    props: &[Property],
    name: &str,
    favour: Favour,
    read: impl Fn(&Property) -> Option<T>,
) -> Option<T> {
    let candidates: Vec<(&Property, T)> = props
        .iter()
        .filter(|p| p.name == name)
        .filter_map(|p| Some((p, read(p)?)))
        .collect();
    let preferred = || {
        let ranked = candidates
            .iter()
            .enumerate()
            .filter_map(|(i, (p, _))| Some((p.pref_rank()?, i)));
        ranked.min().map(|(_, i)| i)
    };
    let work = || candidates.iter().position(|(p, _)| p.has_type("work"));
    let chosen = match favour {
        Favour::Preferred => preferred().or_else(work),
        Favour::Work => work().or_else(preferred),
    };
    let index = chosen.unwrap_or(0);
    candidates.into_iter().nth(index).map(|(_, v)| v)
}

fn first<T>(props: &[Property], name: &str, read: impl Fn(&Property) -> Option<T>) -> Option<T> {
    props.iter().filter(|p| p.name == name).find_map(read)
}

fn text(p: &Property) -> Option<String> {
    clean(unescape(&p.decoded()))
}

/// A structured value's first component: ORG is `company;department;...`.
fn first_component(p: &Property) -> Option<String> {
    components(&p.decoded()).first().and_then(clean)
}

fn record_of(props: &[Property]) -> PersonRecord {
    let (first_name, last_name) = name_of(props);
    let address = pick(props, "adr", Favour::Work, address_of).unwrap_or_default();
    PersonRecord {
        first_name,
        last_name,
        email: pick(props, "email", Favour::Preferred, |p| {
            text(p).and_then(|v| clean(strip_scheme(&v, "mailto:")))
        }),
        phone: pick(props, "tel", Favour::Work, |p| {
            text(p).and_then(|v| clean(strip_scheme(&v, "tel:")))
        }),
        company: first(props, "org", first_component),
        title: first(props, "title", text).or_else(|| first(props, "role", text)),
        website: first(props, "url", text),
        city: address.city,
        state: address.state,
        country: address.country,
        duns: None,
    }
}

/// (first, last) from N (`family;given;additional;prefix;suffix`), or from FN when N is
/// missing or empty: the last word is the family name, the rest the given names.
fn name_of(props: &[Property]) -> (Option<String>, Option<String>) {
    let from_n = first(props, "n", |n| {
        let parts = components(&n.decoded());
        let (last, first) = (parts.first().and_then(clean), parts.get(1).and_then(clean));
        (first.is_some() || last.is_some()).then_some((first, last))
    });
    from_n
        .or_else(|| first(props, "fn", text).map(|full| split_full_name(&full)))
        .unwrap_or_default()
}

fn split_full_name(full: &str) -> (Option<String>, Option<String>) {
    match full.rsplit_once(' ') {
        Some((first, last)) => (clean(first), clean(last)),
        None => (clean(full), None),
    }
}

#[derive(Default)]
struct Address {
    city: Option<String>,
    state: Option<String>,
    country: Option<String>,
}

/// ADR is `po box;extended;street;locality;region;postal code;country`. An address with none
/// of city, region or country tells the CRM nothing and is passed over.
fn address_of(adr: &Property) -> Option<Address> {
    let parts = components(&adr.decoded());
    let part = |i: usize| parts.get(i).and_then(clean);
    let address = Address {
        city: part(3),
        state: part(4),
        country: part(6),
    };
    let known = address.city.is_some() || address.state.is_some() || address.country.is_some();
    known.then_some(address)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn one(input: &str) -> PersonRecord {
        let (people, errors) = parse_vcards(input);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(people.len(), 1, "{people:?}");
        people
            .into_iter()
            .next()
            .map(|p| p.record)
            .unwrap_or_default()
    }

    fn err(line: usize, message: &str) -> VcardError {
        VcardError {
            line,
            message: message.into(),
        }
    }

    const APPLE: &str = "BEGIN:VCARD\r\n\
VERSION:3.0\r\n\
PRODID:-//Apple Inc.//macOS 14.4//EN\r\n\
N:Lovelace;Ada;Augusta;Countess of;\r\n\
FN:Ada Lovelace\r\n\
ORG:Analytical Engines\\, Ltd.;Research & Poetry\r\n\
TITLE:Chief Technology\r\n \x20Officer\r\n\
item1.EMAIL;type=INTERNET:ada.home@example.org\r\n\
item2.EMAIL;type=INTERNET;type=WORK;type=pref:ada@analytical.co.uk\r\n\
item2.X-ABLabel:_$!<Work>!$_\r\n\
TEL;type=CELL;type=VOICE;type=pref:+44 7700 900123\r\n\
TEL;type=WORK;type=VOICE:+44 20 7946 0001\r\n\
item3.ADR;type=HOME:;;1 Home Row;Bath;;BA1 1AA;United Kingdom\r\n\
item4.ADR;type=WORK:;;12 Dorset St\\nFloor 2;London;Greater Lon\r\n don;W1U 4EH;United Kingdom\r\n\
item4.X-ABADR:gb\r\n\
item5.URL;type=pref:https\\://analytical.co.uk/about\r\n\
item5.X-ABLabel:_$!<HomePage>!$_\r\n\
NOTE:Met at the Babbage soirée\\; follow up re: engines\r\n\
PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHR\r\n \
 8eHx4dGhocJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgNDRgyIRwhMjIyMjIy\r\n \
 MjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjL/wAARCAABAAEDASIAAhEBAxEB==\r\n\
END:VCARD\r\n";

    #[test]
    fn apple_contacts_3_0_export_with_groups_and_folded_lines() {
        let r = one(APPLE);
        assert_eq!(r.first_name.as_deref(), Some("Ada"));
        assert_eq!(r.last_name.as_deref(), Some("Lovelace"));
        assert_eq!(r.company.as_deref(), Some("Analytical Engines, Ltd."));
        assert_eq!(r.title.as_deref(), Some("Chief Technology Officer"));
        assert_eq!(r.email.as_deref(), Some("ada@analytical.co.uk"));
        assert_eq!(r.phone.as_deref(), Some("+44 20 7946 0001"));
        assert_eq!(r.city.as_deref(), Some("London"));
        assert_eq!(r.state.as_deref(), Some("Greater London"));
        assert_eq!(r.country.as_deref(), Some("United Kingdom"));
        assert_eq!(r.website.as_deref(), Some("https://analytical.co.uk/about"));
        assert_eq!(r.duns, None);
    }

    #[test]
    fn outlook_2_1_with_quoted_printable_utf8_and_soft_breaks() {
        let r = one("BEGIN:VCARD\r\n\
VERSION:2.1\r\n\
N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen\r\n\
FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:J=C3=BCrgen M=C3=BCller\r\n\
ORG;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:B=C3=A4cker & S=C3=B6hne Gmb=\r\n\
H;Vertrieb\r\n\
TITLE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Gesch=C3=A4ftsf=C3=BChrer; Vertrieb\r\n\
TEL;CELL;VOICE:+49 171 5550000\r\n\
TEL;WORK;VOICE:+49 30 1234567\r\n\
ADR;WORK;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:;;Hauptstra=C3=9Fe 5;K=C3=B6ln;NRW;50667;=\r\n\
Deutschland\r\n\
EMAIL;PREF;INTERNET:juergen@baecker-soehne.de\r\n\
EMAIL;INTERNET:jm@example.de\r\n\
REV:20240101T120000Z\r\n\
END:VCARD\r\n");
        assert_eq!(r.first_name.as_deref(), Some("Jürgen"));
        assert_eq!(r.last_name.as_deref(), Some("Müller"));
        assert_eq!(r.company.as_deref(), Some("Bäcker & Söhne GmbH"));
        assert_eq!(r.title.as_deref(), Some("Geschäftsführer; Vertrieb"));
        assert_eq!(r.email.as_deref(), Some("juergen@baecker-soehne.de"));
        assert_eq!(r.phone.as_deref(), Some("+49 30 1234567"));
        assert_eq!(r.city.as_deref(), Some("Köln"));
        assert_eq!(r.state.as_deref(), Some("NRW"));
        assert_eq!(r.country.as_deref(), Some("Deutschland"));
    }

    #[test]
    fn older_2_1_exports_in_windows_1252_with_bare_parameters() {
        let r = one("BEGIN:VCARD\n\
VERSION:2.1\n\
N;QUOTED-PRINTABLE;CHARSET=ISO-8859-1:Gar=E7on;Fran=E7ois\n\
ORG;ENCODING=QUOTED-PRINTABLE;CHARSET=Windows-1252:=93Caf=E9=94 =96 Paris\n\
EMAIL;INTERNET;WORK:f.garcon@cafe.fr\n\
END:VCARD\n");
        assert_eq!(r.first_name.as_deref(), Some("François"));
        assert_eq!(r.last_name.as_deref(), Some("Garçon"));
        assert_eq!(r.company.as_deref(), Some("“Café” – Paris"));
        assert_eq!(r.email.as_deref(), Some("f.garcon@cafe.fr"));
    }

    #[test]
    fn google_4_0_export_with_uris_pref_numbers_and_quoted_parameters() {
        let r = one("BEGIN:VCARD\n\
VERSION:4.0\n\
FN:Grace Hopper\n\
N:Hopper;Grace;Brewster;Rear Admiral;\n\
EMAIL;TYPE=home:grace@example.com\n\
EMAIL;TYPE=work;PREF=2:g.hopper@navy.example\n\
EMAIL;TYPE=work;PREF=1:grace.hopper@navy.example\n\
TEL;VALUE=uri;TYPE=\"voice,home\";PREF=1:tel:+1-202-555-0199\n\
TEL;VALUE=uri;TYPE=\"work,voice\":tel:+1-202-555-0100\n\
ADR;TYPE=work;LABEL=\"Navy Yard; Bldg 1: Washington\":;;1 Navy Yard;Washington;DC;20374;USA\n\
ROLE:Rear Admiral\n\
URL:https://navy.example/hopper\n\
CATEGORIES:myContacts\n\
END:VCARD\n");
        assert_eq!(r.first_name.as_deref(), Some("Grace"));
        assert_eq!(r.last_name.as_deref(), Some("Hopper"));
        assert_eq!(r.email.as_deref(), Some("grace.hopper@navy.example"));
        assert_eq!(r.phone.as_deref(), Some("+1-202-555-0100"));
        assert_eq!(r.title.as_deref(), Some("Rear Admiral"));
        assert_eq!(r.city.as_deref(), Some("Washington"));
        assert_eq!(r.state.as_deref(), Some("DC"));
        assert_eq!(r.country.as_deref(), Some("USA"));
        assert_eq!(r.website.as_deref(), Some("https://navy.example/hopper"));
        assert_eq!(r.company, None);
    }

    #[test]
    fn without_a_usable_n_the_formatted_name_is_split_on_its_last_word() {
        let (people, errors) = parse_vcards(
            "BEGIN:VCARD\nVERSION:3.0\nN:;;;;\nFN:  Grace  Brewster   Hopper \nEND:VCARD\n\
             BEGIN:VCARD\nVERSION:3.0\nFN:Cher\nEND:VCARD\n",
        );
        assert!(errors.is_empty());
        let names: Vec<_> = people
            .iter()
            .map(|p| {
                (
                    p.record.first_name.as_deref(),
                    p.record.last_name.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                (Some("Grace Brewster"), Some("Hopper")),
                (Some("Cher"), None)
            ]
        );
    }

    #[test]
    fn a_truncated_file_reports_the_cut_off_card_and_keeps_the_complete_one() {
        let (people, errors) = parse_vcards(
            "BEGIN:VCARD\nVERSION:3.0\nN:Lee;Ann\nEMAIL:ann@lee.example\nEND:VCARD\n\
             BEGIN:VCARD\nVERSION:3.0\nN:Cut;Carl\nPHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRg\n ABAQAAAQAB",
        );
        assert_eq!(people.len(), 1);
        assert_eq!(people[0].line, 1);
        assert_eq!(people[0].record.email.as_deref(), Some("ann@lee.example"));
        assert_eq!(errors, [err(6, CUT_OFF)]);
    }

    #[test]
    fn several_cards_keep_their_starting_lines_and_bad_ones_are_reported() {
        let input = "Exported by CardScan\n\
BEGIN:VCARD\nVERSION:3.0\nFN:Ann Lee\nEND:VCARD\n\
\n\
BEGIN:VCARD\nVERSION:3.0\nNOTE:nothing but a note\nTEL:+1 555 0100\nEND:VCARD\n\
BEGIN:VCARD\nVERSION:3.0\nFN:Never Ended\n\
begin:vcard\nversion:3.0\norg:Initech\nend:vcard\n\
END:VCARD\n\
trailing junk\n";
        let (people, errors) = parse_vcards(input);
        let found: Vec<_> = people
            .iter()
            .map(|p| {
                (
                    p.line,
                    p.record.first_name.as_deref(),
                    p.record.company.as_deref(),
                )
            })
            .collect();
        assert_eq!(found, [(2, Some("Ann"), None), (15, None, Some("Initech"))]);
        assert_eq!(errors, [err(7, NO_IDENTITY), err(12, CUT_OFF)]);
    }

    #[test]
    fn bom_and_every_line_ending_are_accepted() {
        let input = "\u{feff}BEGIN:VCARD\rVERSION:3.0\r\nN:Lee;Ann\nEND:VCARD\rBEGIN:VCARD\r\nORG:Acme\r\nEND:VCARD";
        let (people, errors) = parse_vcards(input);
        assert!(errors.is_empty(), "{errors:?}");
        let found: Vec<_> = people
            .iter()
            .map(|p| (p.line, p.record.last_name.as_deref()))
            .collect();
        assert_eq!(found, [(1, Some("Lee")), (5, None)]);
        assert_eq!(people[1].record.company.as_deref(), Some("Acme"));
    }

    #[test]
    fn a_stray_soft_break_does_not_swallow_the_end_of_the_card() {
        let (people, errors) = parse_vcards(
            "BEGIN:VCARD\nVERSION:2.1\nN;ENCODING=QUOTED-PRINTABLE:Ng;Lin=\nEND:VCARD\nBEGIN:VCARD\nFN:Bo Li\nEND:VCARD\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        let names: Vec<_> = people
            .iter()
            .map(|p| p.record.first_name.as_deref())
            .collect();
        assert_eq!(names, [Some("Lin"), Some("Bo")]);
    }

    #[test]
    fn empty_values_become_none_and_do_not_hide_real_ones() {
        let r = one("BEGIN:VCARD\nVERSION:3.0\nN:  ;  Ann ;;;\nTITLE:   \nROLE:Buyer\nEMAIL;TYPE=pref:\nEMAIL;TYPE=home: ann@lee.example \nTEL;TYPE=work:\nTEL:555-0100\nURL:\nEND:VCARD\n");
        assert_eq!(r.first_name.as_deref(), Some("Ann"));
        assert_eq!(r.last_name, None);
        assert_eq!(
            r.title.as_deref(),
            Some("Buyer"),
            "an empty TITLE counts as none, so ROLE is used"
        );
        assert_eq!(r.email.as_deref(), Some("ann@lee.example"));
        assert_eq!(r.phone.as_deref(), Some("555-0100"));
        assert_eq!(r.website, None);
    }

    #[test]
    fn escapes_are_undone_and_other_backslashes_kept() {
        let r = one("BEGIN:VCARD\nVERSION:3.0\nN:O\\,Brien\\;Jr;Pat\nORG:R\\&D \\\\ Labs\\, Inc.;Skunkworks\nTITLE:Head\\nof Sales\nEND:VCARD\n");
        assert_eq!(r.last_name.as_deref(), Some("O,Brien;Jr"));
        assert_eq!(r.first_name.as_deref(), Some("Pat"));
        assert_eq!(r.company.as_deref(), Some("R\\&D \\ Labs, Inc."));
        assert_eq!(r.title.as_deref(), Some("Head of Sales"));
    }

    #[test]
    fn a_card_with_only_a_company_or_only_an_email_is_kept() {
        let (people, errors) =
            parse_vcards("BEGIN:VCARD\nEMAIL:info@acme.example\nEND:VCARD\nBEGIN:VCARD\nORG:;Dept only\nEND:VCARD\n");
        assert_eq!(people.len(), 1);
        assert_eq!(people[0].record.email.as_deref(), Some("info@acme.example"));
        assert_eq!(errors, [err(4, NO_IDENTITY)]);
    }

    /// Escapes a text value the way a conforming 3.0/4.0 writer does.
    fn escape(v: &str) -> String {
        v.replace('\\', "\\\\")
            .replace(',', "\\,")
            .replace(';', "\\;")
    }

    /// The documented cleaning, written independently of the parser's.
    fn expected(v: &str) -> Option<String> {
        let collapsed = v.split_whitespace().collect::<Vec<_>>().join(" ");
        (!collapsed.is_empty()).then_some(collapsed)
    }

    proptest! {
        #[test]
        fn never_panics_on_any_string(s in any::<String>()) {
            let _ = parse_vcards(&s);
        }

        #[test]
        fn never_panics_on_card_shaped_input(
            body in "(BEGIN:VCARD|END:VCARD|N;ENCODING=QUOTED-PRINTABLE;CHARSET=(UTF-8|CP1252):[=0-9A-F;\\\\]{0,8}|ORG:[^\n]{0,8}|TEL;PREF=[0-9]{0,12}:1|[ \t][^\n]{0,5}|\"|\r?\n|\r){0,16}"
        ) {
            let _ = parse_vcards(&body);
        }

        #[test]
        fn escaped_printable_values_round_trip(
            first in "\\PC{0,20}",
            last in "\\PC{0,20}",
            org in "\\PC{0,30}",
        ) {
            let card = format!(
                "BEGIN:VCARD\r\nVERSION:3.0\r\nN:{};{};;;\r\nORG:{};Dept\r\nEND:VCARD\r\n",
                escape(&last), escape(&first), escape(&org),
            );
            let (people, errors) = parse_vcards(&card);
            let (first, last, org) = (expected(&first), expected(&last), expected(&org));
            if first.is_none() && last.is_none() && org.is_none() {
                prop_assert!(people.is_empty());
                prop_assert_eq!(errors, vec![err(1, NO_IDENTITY)]);
            } else {
                prop_assert!(errors.is_empty(), "{:?}", errors);
                prop_assert_eq!(people.len(), 1);
                let r = &people[0].record;
                prop_assert_eq!(&r.first_name, &first);
                prop_assert_eq!(&r.last_name, &last);
                prop_assert_eq!(&r.company, &org);
            }
        }
    }
}
