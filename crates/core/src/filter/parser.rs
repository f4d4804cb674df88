//! The syntax tree of a filter, and the recursive-descent parser that builds it.
//!
//! ```text
//! expr       := and ("or" and)*
//! and        := unary ("and" unary)*
//! unary      := "not" unary | primary
//! primary    := "(" expr ")"
//!             | "has" ("opportunity" | "activity" | "contact") ["where" condition ("and" condition)*]
//!             | "in" "campaign" TEXT
//!             | NAME ("=" | "!=" | "<" | "<=" | ">" | ">=" | "contains" | "starts" "with") VALUE
//!             | NAME ["not"] "in" "(" VALUE ("," VALUE)* ")"
//!             | NAME "is" ["not"] "empty"
//! ```
//! Names outside `where` are qualified (`contact.title`, `account.parent.state`); inside `where` they
//! name the related record's fields (`stage`, `occurred_at`). A `where` takes the `and`-chain of
//! unqualified conditions that follows it; wrap anything else in parentheses.

use super::lexer::{tokenize, Tok, Token};
use super::{FilterError, MAX_CONDITIONS, MAX_DEPTH, MAX_FILTER_BYTES, MAX_VALUES};

/// A field name as written, with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    pub path: String,
    pub start: usize,
    pub end: usize,
}

/// A literal as written, with where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Literal {
    pub value: Value,
    pub start: usize,
}

/// A literal's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Number(f64),
    /// Days, weeks, months or years from today (`-90d`).
    Relative(i64, char),
    Bool(bool),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    StartsWith,
}

impl CompareOp {
    /// As written.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            CompareOp::Contains => "contains",
            CompareOp::StartsWith => "starts with",
        }
    }

    /// True for the ordering operators.
    pub fn is_ordering(self) -> bool {
        matches!(
            self,
            CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge
        )
    }
}

/// Records a filter can ask about the existence of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Related {
    Opportunity,
    Activity,
    Contact,
    Asset,
}

impl Related {
    /// As written.
    pub fn as_str(self) -> &'static str {
        match self {
            Related::Opportunity => "opportunity",
            Related::Activity => "activity",
            Related::Contact => "contact",
            Related::Asset => "asset",
        }
    }
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare {
        field: Name,
        op: CompareOp,
        value: Literal,
    },
    In {
        field: Name,
        values: Vec<Literal>,
        negated: bool,
    },
    IsEmpty {
        field: Name,
        negated: bool,
    },
    Has {
        related: Related,
        start: usize,
        filter: Option<Box<Expr>>,
    },
    InCampaign {
        name: String,
        start: usize,
    },
}

/// Words with a meaning of their own; never field names.
const KEYWORDS: &[&str] = &[
    "and", "or", "not", "in", "is", "empty", "has", "where", "contains", "starts", "with",
    "campaign",
];

/// Parses a filter into its syntax tree.
///
/// The limits ([`MAX_FILTER_BYTES`], [`MAX_DEPTH`], [`MAX_CONDITIONS`], [`MAX_VALUES`]) are
/// enforced before and while parsing, so every later pass (checking, SQL, evaluation and the
/// tree's drop, all recursive) runs on a tree whose depth is bounded by them.
pub fn parse(input: &str) -> Result<Expr, FilterError> {
    if input.len() > MAX_FILTER_BYTES {
        return Err(FilterError::at(
            floor_char_boundary(input, MAX_FILTER_BYTES),
            format!(
                "the filter is {} bytes long; at most {MAX_FILTER_BYTES} are accepted: \
                 save parts of it as segments, or list values with `in (...)`",
                input.len()
            ),
        ));
    }
    let tokens = tokenize(input)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        len: input.len(),
        depth: 0,
        conditions: 0,
        values: 0,
    };
    if p.tokens.is_empty() {
        return Err(FilterError::at(
            0,
            "the filter is empty; write a condition such as account.state = \"CA\"",
        ));
    }
    let expr = p.expr()?;
    if let Some(t) = p.peek() {
        return Err(FilterError::at(
            t.start,
            format!(
                "expected `and`, `or` or the end of the filter, found {}",
                t.kind.describe()
            ),
        ));
    }
    Ok(expr)
}

/// The largest char boundary at or before `i` (`str::floor_char_boundary` is not stable yet).
fn floor_char_boundary(s: &str, i: usize) -> usize {
    (0..=i.min(s.len()))
        .rev()
        .find(|&k| s.is_char_boundary(k))
        .unwrap_or(0)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    len: usize,
    /// How deep the parser is in parentheses, `not` and `where`.
    depth: usize,
    /// Conditions (comparisons, lists, `is empty`, `has`, `in campaign`) read so far.
    conditions: usize,
    /// Values in lists and comparisons read so far.
    values: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_at(&self, k: usize) -> Option<&Token> {
        self.tokens.get(self.pos + k)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    /// Where the next token starts (the end of the input when there is none).
    fn here(&self) -> usize {
        self.peek().map_or(self.len, |t| t.start)
    }

    fn is_word(&self, k: usize, w: &str) -> bool {
        matches!(self.peek_at(k), Some(Token { kind: Tok::Word(x), .. }) if x.eq_ignore_ascii_case(w))
    }

    fn eat_word(&mut self, w: &str) -> bool {
        if self.is_word(0, w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_word(&mut self, w: &str, what: &str) -> Result<(), FilterError> {
        if self.eat_word(w) {
            Ok(())
        } else {
            Err(self.expected(what))
        }
    }

    fn expected(&self, what: &str) -> FilterError {
        match self.peek() {
            Some(t) => FilterError::at(
                t.start,
                format!("expected {what}, found {}", t.kind.describe()),
            ),
            None => FilterError::at(self.len, format!("expected {what}, but the filter ends")),
        }
    }

    /// Enters one level of nesting at `start`, refusing to go deeper than [`MAX_DEPTH`].
    fn descend(&mut self, start: usize) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FilterError::at(
                start,
                format!(
                    "the filter nests deeper than {MAX_DEPTH} levels of parentheses, `not` and \
                     `where`; write it flatter (`not (a or b)` is `not a and not b`)"
                ),
            ));
        }
        Ok(())
    }

    /// Counts one more condition at `start`, refusing more than [`MAX_CONDITIONS`].
    fn count_condition(&mut self, start: usize) -> Result<(), FilterError> {
        self.conditions += 1;
        if self.conditions > MAX_CONDITIONS {
            return Err(FilterError::at(
                start,
                format!(
                    "the filter has more than {MAX_CONDITIONS} conditions; list values with \
                     `field in (...)` instead of `or`-ing them, or split it into segments"
                ),
            ));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.and()?;
        while self.eat_word("or") {
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.unary()?;
        while self.eat_word("and") {
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, FilterError> {
        let start = self.here();
        if self.eat_word("not") {
            self.descend(start)?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, FilterError> {
        let Some(t) = self.peek().cloned() else {
            return Err(self.expected("a condition"));
        };
        match &t.kind {
            Tok::LParen => {
                self.pos += 1;
                self.descend(t.start)?;
                let e = self.expr()?;
                self.depth -= 1;
                match self.next() {
                    Some(Token {
                        kind: Tok::RParen, ..
                    }) => Ok(e),
                    _ => {
                        self.pos -= 1;
                        Err(self.expected("`)`"))
                    }
                }
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("has") => {
                self.pos += 1;
                self.count_condition(t.start)?;
                self.has(t.start)
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("in") && self.is_word(1, "campaign") => {
                self.pos += 2;
                self.count_condition(t.start)?;
                match self.next() {
                    Some(Token {
                        kind: Tok::Str(name),
                        ..
                    }) => Ok(Expr::InCampaign {
                        name,
                        start: t.start,
                    }),
                    _ => {
                        self.pos -= 1;
                        Err(self.expected("the campaign's name in quotes"))
                    }
                }
            }
            Tok::Word(w) if !KEYWORDS.contains(&w.to_ascii_lowercase().as_str()) => {
                self.pos += 1;
                self.count_condition(t.start)?;
                let field = Name {
                    path: w.clone(),
                    start: t.start,
                    end: t.end,
                };
                self.condition(field)
            }
            _ => Err(self.expected("a field name, `has`, `in campaign`, `not` or `(`")),
        }
    }

    fn has(&mut self, start: usize) -> Result<Expr, FilterError> {
        let related = match self.peek().map(|t| &t.kind) {
            Some(Tok::Word(w)) => match w.to_ascii_lowercase().trim_end_matches('s') {
                "opportunity" | "opportunitie" => Related::Opportunity,
                "activity" | "activitie" => Related::Activity,
                "contact" => Related::Contact,
                "asset" => Related::Asset,
                _ => {
                    return Err(self
                        .expected("`opportunity`, `activity`, `contact` or `asset` after `has`"))
                }
            },
            _ => {
                return Err(
                    self.expected("`opportunity`, `activity`, `contact` or `asset` after `has`")
                )
            }
        };
        self.pos += 1;
        let where_at = self.here();
        let filter = if self.eat_word("where") {
            self.descend(where_at)?;
            let mut f = self.unary()?;
            // The where-clause runs on while `and` is followed by an unqualified field name.
            while self.is_word(0, "and") && self.starts_unqualified_condition(1) {
                self.pos += 1;
                let right = self.unary()?;
                f = Expr::And(Box::new(f), Box::new(right));
            }
            self.depth -= 1;
            Some(Box::new(f))
        } else {
            None
        };
        Ok(Expr::Has {
            related,
            start,
            filter,
        })
    }

    fn starts_unqualified_condition(&self, k: usize) -> bool {
        matches!(self.peek_at(k), Some(Token { kind: Tok::Word(w), .. })
            if !w.contains('.') && !KEYWORDS.contains(&w.to_ascii_lowercase().as_str()))
    }

    fn condition(&mut self, field: Name) -> Result<Expr, FilterError> {
        if let Some(Token {
            kind: Tok::Op(op), ..
        }) = self.peek().cloned()
        {
            self.pos += 1;
            let op = match op {
                "=" => CompareOp::Eq,
                "!=" => CompareOp::Ne,
                "<" => CompareOp::Lt,
                "<=" => CompareOp::Le,
                ">" => CompareOp::Gt,
                _ => CompareOp::Ge,
            };
            let value = self.literal()?;
            return Ok(Expr::Compare { field, op, value });
        }
        if self.eat_word("contains") {
            let value = self.literal()?;
            return Ok(Expr::Compare {
                field,
                op: CompareOp::Contains,
                value,
            });
        }
        if self.eat_word("starts") {
            self.expect_word("with", "`with` after `starts`")?;
            let value = self.literal()?;
            return Ok(Expr::Compare {
                field,
                op: CompareOp::StartsWith,
                value,
            });
        }
        if self.eat_word("is") {
            let negated = self.eat_word("not");
            self.expect_word("empty", "`empty` after `is`")?;
            return Ok(Expr::IsEmpty { field, negated });
        }
        let negated = self.eat_word("not");
        if self.eat_word("in") {
            return self.list(field, negated);
        }
        Err(self.expected(if negated {
            "`in` after `not`"
        } else {
            "an operator (=, !=, <, <=, >, >=, in, not in, contains, starts with, is empty)"
        }))
    }

    fn list(&mut self, field: Name, negated: bool) -> Result<Expr, FilterError> {
        match self.next() {
            Some(Token {
                kind: Tok::LParen, ..
            }) => {}
            _ => {
                self.pos -= 1;
                return Err(self.expected("`(` and a list of values"));
            }
        }
        let mut values = vec![self.literal()?];
        loop {
            match self.next() {
                Some(Token {
                    kind: Tok::Comma, ..
                }) => values.push(self.literal()?),
                Some(Token {
                    kind: Tok::RParen, ..
                }) => break,
                _ => {
                    self.pos -= 1;
                    return Err(self.expected("`,` or `)`"));
                }
            }
        }
        Ok(Expr::In {
            field,
            values,
            negated,
        })
    }

    fn literal(&mut self) -> Result<Literal, FilterError> {
        let start = self.here();
        self.values += 1;
        if self.values > MAX_VALUES {
            return Err(FilterError::at(
                start,
                format!("the filter has more than {MAX_VALUES} values; split it into segments"),
            ));
        }
        let value = match self.peek().map(|t| t.kind.clone()) {
            Some(Tok::Str(s)) => Value::Text(s),
            Some(Tok::Number(n)) => Value::Number(n),
            Some(Tok::Relative(n, u)) => Value::Relative(n, u),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("true") => Value::Bool(true),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("false") => Value::Bool(false),
            _ => {
                return Err(self.expected(
                    "a value (\"text\", a number, a relative date such as -90d, true or false)",
                ))
            }
        };
        self.pos += 1;
        Ok(Literal { value, start })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_design_example_parses_with_and_binding_tighter_than_or() {
        let e = parse(
            r#"contact.seniority in ("manager", "director")
               and account.state = "CA" and account.industry = "Software"
               and account.relationship != "customer""#,
        )
        .unwrap();
        let Expr::And(left, last) = e else {
            panic!("and at the top")
        };
        assert!(matches!(
            *last,
            Expr::Compare {
                op: CompareOp::Ne,
                ..
            }
        ));
        assert!(matches!(*left, Expr::And(..)));
        let e = parse(
            r#"account.state = "CA" or account.state = "WA" and not account.industry is empty"#,
        )
        .unwrap();
        assert!(matches!(e, Expr::Or(..)));
    }

    #[test]
    fn a_where_clause_takes_the_unqualified_conditions_that_follow() {
        let e = parse(r#"has activity where kind = "webinar" and occurred_at > -90d and account.state = "CA""#).unwrap();
        let Expr::And(has, state) = e else { panic!() };
        let Expr::Has {
            related: Related::Activity,
            filter: Some(f),
            ..
        } = *has
        else {
            panic!()
        };
        assert!(matches!(*f, Expr::And(..)));
        assert!(matches!(*state, Expr::Compare { ref field, .. } if field.path == "account.state"));
        assert!(
            matches!(parse(r#"in campaign "Q3 Summit""#).unwrap(), Expr::InCampaign { ref name, .. } if name == "Q3 Summit")
        );
        assert!(matches!(
            parse("has opportunity").unwrap(),
            Expr::Has { filter: None, .. }
        ));
    }

    fn nested(open: &str, depth: usize, inner: &str, close: &str) -> String {
        format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
    }

    fn chain(op: &str, n: usize) -> String {
        vec![r#"account.state = "CA""#; n].join(&format!(" {op} "))
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_refused_where_it_goes_too_deep() {
        let e = parse(&nested("(", 1_750, &chain("or", 1), ")")).unwrap_err();
        assert_eq!(e.position, MAX_DEPTH, "{e}");
        assert!(e.message.contains("deeper than 32 levels"), "{}", e.message);
        for (open, close) in [("not ", ""), ("not (", ")")] {
            let e = parse(&nested(open, 1_000, &chain("or", 1), close)).unwrap_err();
            assert!(e.message.contains("deeper than 32"), "{}", e.message);
        }
        let wheres = nested("has activity where (", 40, "kind = \"call\"", ")");
        assert!(parse(&wheres).unwrap_err().message.contains("deeper"));
    }

    #[test]
    fn more_conditions_or_values_than_the_limits_are_refused() {
        for op in ["or", "and"] {
            let e = parse(&chain(op, MAX_CONDITIONS + 1)).unwrap_err();
            assert!(
                e.message.contains("more than 200 conditions"),
                "{}",
                e.message
            );
        }
        let list = vec!["\"CA\""; MAX_VALUES + 1].join(",");
        let e = parse(&format!("account.state in ({list})")).unwrap_err();
        assert!(e.message.contains("more than 1000 values"), "{}", e.message);
    }

    #[test]
    fn a_filter_longer_than_the_limit_is_refused_before_it_is_read() {
        let long = format!("account.name = \"{}\"", "é".repeat(MAX_FILTER_BYTES));
        let e = parse(&long).unwrap_err();
        assert!(e.message.contains("at most 10000"), "{}", e.message);
        assert!(long.is_char_boundary(e.position));
    }

    #[test]
    fn a_filter_at_every_limit_parses_checks_and_drops_on_a_workers_stack() {
        // The largest tree the limits allow: the longest chain inside the deepest nesting. Run
        // on a thread with the stack of a tokio worker, where the server would run it.
        let deepest = nested("(", MAX_DEPTH, &chain("or", MAX_CONDITIONS), ")");
        let worker = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                let expr = parse(&deepest).expect("at the limits");
                let checked =
                    crate::filter::check(&expr, crate::filter::Target::Accounts).expect("checks");
                drop(expr);
                checked
            });
        let checked = worker.unwrap().join().expect("no stack overflow");
        assert!(matches!(checked, crate::filter::Checked::Or(..)));
    }

    #[test]
    fn errors_name_the_position_and_what_was_expected() {
        let e = parse(r#"account.state = "CA" and"#).unwrap_err();
        assert_eq!(e.position, 24);
        assert!(e.message.contains("expected a condition"), "{}", e.message);
        let e = parse(r#"account.state "CA""#).unwrap_err();
        assert_eq!(e.position, 14);
        assert!(e.message.contains("expected an operator"), "{}", e.message);
        let e = parse(r#"(account.state = "CA""#).unwrap_err();
        assert!(e.message.contains("`)`"), "{}", e.message);
        let e = parse(r#"contact.title starts "VP""#).unwrap_err();
        assert!(e.message.contains("`with`"), "{}", e.message);
        let e = parse("").unwrap_err();
        assert!(e.message.contains("empty"));
    }
}
