//! Tokens of the segment filter language, each with the byte span it came from.

use super::FilterError;

/// A token and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub kind: Tok,
    pub start: usize,
    pub end: usize,
}

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A name, possibly dotted: `contact.seniority`, `account.parent.state`, `and`, `has`.
    Word(String),
    Str(String),
    Number(f64),
    /// A date relative to today: `-90d`, `+2w`, `-6m`, `-1y` (amount, unit).
    Relative(i64, char),
    LParen,
    RParen,
    Comma,
    /// `=`, `!=`, `<`, `<=`, `>`, `>=`.
    Op(&'static str),
}

impl Tok {
    /// How the token reads in an error message.
    pub fn describe(&self) -> String {
        match self {
            Tok::Word(w) => format!("`{w}`"),
            Tok::Str(s) => format!("the text {s:?}"),
            Tok::Number(n) => format!("the number {n}"),
            Tok::Relative(n, u) => format!("the relative date {n:+}{u}"),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::Comma => "`,`".into(),
            Tok::Op(o) => format!("`{o}`"),
        }
    }
}

/// Splits a filter into tokens.
pub fn tokenize(input: &str) -> Result<Vec<Token>, FilterError> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = input.char_indices().collect();
    let end_of = |i: usize| chars.get(i).map(|(p, _)| *p).unwrap_or(input.len());
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let single = |kind: Tok| Token {
            kind,
            start,
            end: start + c.len_utf8(),
        };
        match c {
            '(' => out.push(single(Tok::LParen)),
            ')' => out.push(single(Tok::RParen)),
            ',' => out.push(single(Tok::Comma)),
            '=' => out.push(single(Tok::Op("="))),
            '!' | '<' | '>' => {
                let next_eq = chars.get(i + 1).is_some_and(|(_, n)| *n == '=');
                let op = match (c, next_eq) {
                    ('!', true) => "!=",
                    ('<', true) => "<=",
                    ('>', true) => ">=",
                    ('<', false) => "<",
                    ('>', false) => ">",
                    _ => {
                        return Err(FilterError::at(start, "`!` must be followed by `=` (`!=`)"));
                    }
                };
                if next_eq {
                    i += 1;
                }
                out.push(Token {
                    kind: Tok::Op(op),
                    start,
                    end: end_of(i + 1),
                });
            }
            '"' | '\'' => {
                let quote = c;
                let mut s = String::new();
                let mut j = i + 1;
                let mut closed = false;
                while j < chars.len() {
                    let (_, d) = chars[j];
                    if d == '\\' && j + 1 < chars.len() {
                        s.push(chars[j + 1].1);
                        j += 2;
                        continue;
                    }
                    if d == quote {
                        closed = true;
                        break;
                    }
                    s.push(d);
                    j += 1;
                }
                if !closed {
                    return Err(FilterError::at(
                        start,
                        format!("this text has no closing {quote}"),
                    ));
                }
                out.push(Token {
                    kind: Tok::Str(s),
                    start,
                    end: end_of(j + 1),
                });
                i = j;
            }
            c if c.is_ascii_digit() || ((c == '-' || c == '+') && next_is_digit(&chars, i)) => {
                let mut j = i + 1;
                while j < chars.len() && (chars[j].1.is_ascii_digit() || chars[j].1 == '.') {
                    j += 1;
                }
                let text = &input[start..end_of(j)];
                let unit = chars
                    .get(j)
                    .map(|(_, u)| u.to_ascii_lowercase())
                    .filter(|u| matches!(u, 'd' | 'w' | 'm' | 'y'));
                let unit_ends_word = chars
                    .get(j + 1)
                    .is_none_or(|(_, n)| !n.is_alphanumeric() && *n != '_');
                match unit {
                    Some(u) if unit_ends_word => {
                        let n: i64 = text.parse().map_err(|_| {
                            FilterError::at(start, format!("{text:?} is not a whole number of {u}"))
                        })?;
                        out.push(Token {
                            kind: Tok::Relative(n, u),
                            start,
                            end: end_of(j + 1),
                        });
                        i = j + 1;
                        continue;
                    }
                    _ => {
                        let n: f64 = text.parse().map_err(|_| {
                            FilterError::at(start, format!("{text:?} is not a number"))
                        })?;
                        out.push(Token {
                            kind: Tok::Number(n),
                            start,
                            end: end_of(j),
                        });
                        i = j;
                        continue;
                    }
                }
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut j = i + 1;
                while j < chars.len()
                    && (chars[j].1.is_alphanumeric() || chars[j].1 == '_' || chars[j].1 == '.')
                {
                    j += 1;
                }
                out.push(Token {
                    kind: Tok::Word(input[start..end_of(j)].to_string()),
                    start,
                    end: end_of(j),
                });
                i = j;
                continue;
            }
            other => {
                return Err(FilterError::at(
                    start,
                    format!("unexpected character {other:?}"),
                ));
            }
        }
        i += 1;
    }
    Ok(out)
}

fn next_is_digit(chars: &[(usize, char)], i: usize) -> bool {
    chars.get(i + 1).is_some_and(|(_, d)| d.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<Tok> {
        tokenize(s).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn tokens_of_a_filter() {
        assert_eq!(
            kinds(
                r#"contact.seniority in ("manager", 'director') and occurred_at >= -90d or n != 2.5"#
            ),
            [
                Tok::Word("contact.seniority".into()),
                Tok::Word("in".into()),
                Tok::LParen,
                Tok::Str("manager".into()),
                Tok::Comma,
                Tok::Str("director".into()),
                Tok::RParen,
                Tok::Word("and".into()),
                Tok::Word("occurred_at".into()),
                Tok::Op(">="),
                Tok::Relative(-90, 'd'),
                Tok::Word("or".into()),
                Tok::Word("n".into()),
                Tok::Op("!="),
                Tok::Number(2.5),
            ]
        );
    }

    #[test]
    fn an_unclosed_text_is_reported_where_it_starts() {
        let e = tokenize(r#"account.state = "CA"#).unwrap_err();
        assert_eq!(e.position, 16);
        assert!(e.message.contains("no closing"));
    }
}
