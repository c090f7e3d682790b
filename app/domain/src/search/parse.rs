//! Reading a query: words and quoted phrases into [`Term`]s, or an error naming the term
//! that cannot be read.

use chrono::TimeDelta;

use super::{Age, Filter, Query, QueryError, Term, Who};
use crate::card::{CardType, Severity};

/// Longest query accepted: a filter bar's query, not a document.
pub const MAX_QUERY_CHARS: usize = 500;

/// The keys a query knows, as the filter bar suggests them.
pub const KEYS: [&str; 10] = [
    "type", "severity", "label", "assignee", "service", "lane", "blocked", "age", "aging", "is",
];

impl Query {
    /// Reads `text`; an empty or blank text is the query that matches every card.
    pub fn parse(text: &str) -> Result<Self, QueryError> {
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(QueryError::whole(format!(
                "a query is at most {MAX_QUERY_CHARS} characters"
            )));
        }
        if text.contains('\0') {
            return Err(QueryError::whole("a query cannot contain NUL characters"));
        }
        let terms = tokens(text)?
            .into_iter()
            .map(|token| term(&token))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { terms })
    }
}

/// One space-separated piece of a query, with the quotes taken out.
#[derive(Debug, PartialEq)]
struct Token {
    /// As typed, for error messages.
    raw: String,
    /// The key before the first unquoted `:`, if the piece has one.
    key: Option<String>,
    /// The rest, unquoted.
    value: String,
    /// The piece began with an unquoted `-`.
    negated: bool,
    /// Some of the value was in quotes (a phrase, never a key).
    quoted: bool,
}

/// Splits `text` at spaces outside double quotes.
fn tokens(text: &str) -> Result<Vec<Token>, QueryError> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(out);
        }
        let mut token = Token {
            raw: String::new(),
            key: None,
            value: String::new(),
            negated: false,
            quoted: false,
        };
        if chars.next_if_eq(&'-').is_some() {
            token.raw.push('-');
            token.negated = true;
        }
        let mut in_quotes = false;
        while let Some(c) = chars.next_if(|c| in_quotes || !c.is_whitespace()) {
            token.raw.push(c);
            match c {
                '"' => {
                    in_quotes = !in_quotes;
                    token.quoted = true;
                }
                ':' if !in_quotes && token.key.is_none() && !token.quoted => {
                    token.key = Some(std::mem::take(&mut token.value));
                }
                c => token.value.push(c),
            }
        }
        if in_quotes {
            return Err(QueryError::term(
                &token.raw,
                "a quote is not closed: end the phrase with \"",
            ));
        }
        if token.negated && token.key.is_none() && token.value.is_empty() {
            // A lone `-` says nothing.
            continue;
        }
        out.push(token);
    }
}

/// What one token asks for.
fn term(token: &Token) -> Result<Term, QueryError> {
    let filter = match token.key.as_deref() {
        None => Filter::Text(token.value.to_lowercase()),
        Some(key) => keyed(token, &key.to_lowercase())?,
    };
    Ok(Term {
        negated: token.negated,
        filter,
    })
}

fn keyed(token: &Token, key: &str) -> Result<Filter, QueryError> {
    let value = token.value.trim();
    if value.is_empty() {
        return Err(QueryError::term(
            &token.raw,
            format!("`{key}:` needs a value, as in {}", example(key)),
        ));
    }
    let bad = |message: String| QueryError::term(&token.raw, message);
    let values = || {
        value
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_lowercase)
    };
    Ok(match key {
        "type" => Filter::Type(
            values()
                .map(|v| card_type(&v).ok_or_else(|| bad(one_of("type", &v, TYPES))))
                .collect::<Result<_, _>>()?,
        ),
        "severity" | "sev" => Filter::Severity(
            values()
                .map(|v| Severity::parse(&v).ok_or_else(|| bad(one_of("severity", &v, SEVERITIES))))
                .collect::<Result<_, _>>()?,
        ),
        "label" => Filter::Label(values().collect()),
        "assignee" | "owner" => Filter::Assignee(
            values()
                .map(|v| match v.as_str() {
                    "me" => Who::Me,
                    "none" | "nobody" => Who::Nobody,
                    _ => Who::Named(v),
                })
                .collect(),
        ),
        "service" => Filter::Service(values().collect()),
        "lane" => Filter::Lane(values().collect()),
        "blocked" => Filter::Blocked(yes_no(value).ok_or_else(|| bad(yes_or_no("blocked")))?),
        "aging" => Filter::Aging(yes_no(value).ok_or_else(|| bad(yes_or_no("aging")))?),
        "is" => match value.to_lowercase().as_str() {
            "blocked" => Filter::Blocked(true),
            "aging" => Filter::Aging(true),
            other => {
                return Err(bad(format!(
                    "`is:{other}` is not known: `is:` takes blocked or aging"
                )));
            }
        },
        "age" => Filter::Age(age(value).ok_or_else(|| {
            bad(format!(
                "`age:` takes a time in the column like >5d, <12h or >2w (m, h, d, w), not {value}"
            ))
        })?),
        other => {
            return Err(bad(format!(
                "there is no filter `{other}:` (the filters are {}); to search for the text, put it in quotes",
                KEYS.map(|k| format!("{k}:")).join(" ")
            )));
        }
    })
}

const TYPES: &str = "feature, incident, tech_debt";
const SEVERITIES: &str = "sev1, sev2, sev3, sev4";

fn one_of(key: &str, value: &str, allowed: &str) -> String {
    format!("`{key}:` is one of {allowed}, not {value}")
}

fn yes_or_no(key: &str) -> String {
    format!("`{key}:` is yes or no")
}

fn example(key: &str) -> &'static str {
    match key {
        "type" => "type:incident",
        "severity" | "sev" => "severity:sev1,sev2",
        "label" => "label:database",
        "assignee" | "owner" => "assignee:me",
        "service" => "service:payments",
        "lane" => "lane:expedite",
        "blocked" => "blocked:yes",
        "age" => "age:>5d",
        "aging" => "aging:yes",
        _ => "is:blocked",
    }
}

/// A card type as people type it: the wire spelling, or `debt`, `tech-debt`, `techdebt`.
fn card_type(value: &str) -> Option<CardType> {
    CardType::parse(value).or(match value {
        "debt" | "tech-debt" | "techdebt" => Some(CardType::TechDebt),
        "features" => Some(CardType::Feature),
        "incidents" => Some(CardType::Incident),
        _ => None,
    })
}

fn yes_no(value: &str) -> Option<bool> {
    match value.to_lowercase().as_str() {
        "yes" | "true" | "y" => Some(true),
        "no" | "false" | "n" => Some(false),
        _ => None,
    }
}

/// `>5d`, `<12h`, `>=2w`, `5d` (at least): a time in the column against a bound.
fn age(value: &str) -> Option<Age> {
    let (over, rest) = if let Some(rest) = value.strip_prefix(">=") {
        (true, rest)
    } else if let Some(rest) = value.strip_prefix("<=") {
        (false, rest)
    } else if let Some(rest) = value.strip_prefix('>') {
        (true, rest)
    } else if let Some(rest) = value.strip_prefix('<') {
        (false, rest)
    } else {
        (true, value)
    };
    let rest = rest.trim();
    let unit = rest.chars().last()?;
    let number: i64 = rest[..rest.len() - unit.len_utf8()].trim().parse().ok()?;
    if !(0..=100_000).contains(&number) {
        return None;
    }
    let span = match unit.to_ascii_lowercase() {
        'm' => TimeDelta::minutes(number),
        'h' => TimeDelta::hours(number),
        'd' => TimeDelta::days(number),
        'w' => TimeDelta::weeks(number),
        _ => return None,
    };
    Some(if over {
        Age::AtLeast(span)
    } else {
        Age::Under(span)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Vec<Term> {
        Query::parse(text).expect("a valid query").terms
    }

    fn plain(filter: Filter) -> Term {
        Term {
            negated: false,
            filter,
        }
    }

    #[test]
    fn the_issue_s_example_reads_as_five_terms() {
        assert_eq!(
            parsed(r#"type:incident severity:sev1,sev2 label:database assignee:me "timeout""#),
            vec![
                plain(Filter::Type(vec![CardType::Incident])),
                plain(Filter::Severity(vec![Severity::Sev1, Severity::Sev2])),
                plain(Filter::Label(vec!["database".into()])),
                plain(Filter::Assignee(vec![Who::Me])),
                plain(Filter::Text("timeout".into())),
            ]
        );
    }

    #[test]
    fn words_phrases_keys_and_negation() {
        assert_eq!(parsed("   "), vec![]);
        assert_eq!(
            parsed(r#"Payments "read timeout" -blocked:yes -Checkout assignee:none,"Chen Wei""#),
            vec![
                plain(Filter::Text("payments".into())),
                plain(Filter::Text("read timeout".into())),
                Term {
                    negated: true,
                    filter: Filter::Blocked(true),
                },
                Term {
                    negated: true,
                    filter: Filter::Text("checkout".into()),
                },
                plain(Filter::Assignee(vec![
                    Who::Nobody,
                    Who::Named("chen wei".into())
                ])),
            ]
        );
        // A colon inside quotes is text, and so is a phrase that holds one.
        assert_eq!(
            parsed(r#""http://x" TYPE:Tech-Debt is:aging"#),
            vec![
                plain(Filter::Text("http://x".into())),
                plain(Filter::Type(vec![CardType::TechDebt])),
                plain(Filter::Aging(true)),
            ]
        );
        assert_eq!(parsed("- #12"), vec![plain(Filter::Text("#12".into()))]);
    }

    #[test]
    fn ages_read_as_bounds_on_the_time_in_the_column() {
        let age_of = |v: &str| match &parsed(&format!("age:{v}"))[0].filter {
            Filter::Age(age) => *age,
            other => panic!("not an age: {other:?}"),
        };
        assert_eq!(age_of(">5d"), Age::AtLeast(TimeDelta::days(5)));
        assert_eq!(age_of("5d"), Age::AtLeast(TimeDelta::days(5)));
        assert_eq!(age_of("<12h"), Age::Under(TimeDelta::hours(12)));
        assert_eq!(age_of(">=2w"), Age::AtLeast(TimeDelta::weeks(2)));
        assert_eq!(age_of("<=30m"), Age::Under(TimeDelta::minutes(30)));
    }

    #[test]
    fn bad_terms_are_named_in_words() {
        let error = |text: &str| Query::parse(text).expect_err("refused");
        let e = error("type:incident severity:sev9");
        assert_eq!(e.term.as_deref(), Some("severity:sev9"));
        assert!(e.message.contains("sev1, sev2, sev3, sev4"), "{e}");
        let e = error("colour:red");
        assert_eq!(e.term.as_deref(), Some("colour:red"));
        assert!(e.message.contains("no filter `colour:`"), "{e}");
        assert!(e.message.contains("quotes"), "{e}");
        assert!(error("type:").message.contains("type:incident"));
        assert!(error(r#"label:"db"#).message.contains("not closed"));
        assert!(error("age:soon").message.contains(">5d"));
        assert!(error("age:>5y").message.contains(">5d"));
        assert!(error("blocked:maybe").message.contains("yes or no"));
        assert!(error("is:done").message.contains("blocked or aging"));
        assert!(error(&"x".repeat(501)).message.contains("500"));
        assert!(error("a\0b").message.contains("NUL"));
        assert_eq!(
            error("age:<").to_string(),
            "`age:<`: `age:` takes a time in the column like >5d, <12h or >2w (m, h, d, w), not <"
        );
    }
}
