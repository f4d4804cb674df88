//! Sortable list columns: the headings whose links sort a list by them and turn the order round,
//! shared by the account and contact lists.

/// A column a list sorts by.
pub struct SortColumn<S> {
    /// The `sort=` value.
    pub key: &'static str,
    pub label: &'static str,
    /// The store's sort.
    pub sort: S,
    /// Whether a first click sorts it descending (numbers and dates: the most first).
    pub starts_descending: bool,
    pub numeric: bool,
}

/// The `dir=` of a direction: what [`chosen`] reads back.
pub fn dir(descending: bool) -> &'static str {
    if descending {
        "desc"
    } else {
        "asc"
    }
}

/// The column and direction asked for by `sort=` and `dir=`; `None` for no known column.
pub fn chosen<'c, S>(
    columns: &'c [SortColumn<S>],
    sort: Option<&str>,
    dir: Option<&str>,
) -> Option<(&'c SortColumn<S>, bool)> {
    let column = columns.iter().find(|c| Some(c.key) == sort)?;
    let descending = match dir {
        Some("desc") => true,
        Some("asc") => false,
        _ => column.starts_descending,
    };
    Some((column, descending))
}

/// A column heading: its link and whether (and how) the list is sorted by it.
pub struct Heading {
    pub key: &'static str,
    pub label: &'static str,
    pub href: String,
    /// `ascending` or `descending` on the sorted column.
    pub aria_sort: Option<&'static str>,
    pub numeric: bool,
}

impl Heading {
    /// The arrow beside the sorted column's label.
    pub fn arrow(&self) -> &'static str {
        match self.aria_sort {
            Some("ascending") => " ▲",
            Some(_) => " ▼",
            None => "",
        }
    }
}

/// The headings of `columns` for a list sorted by `sorted` (a key; `None`: in no column's
/// order). `href(key, descending)` is the list's link sorted that way, from its first page.
pub fn headings<S>(
    columns: &[SortColumn<S>],
    sorted: Option<&str>,
    descending: bool,
    href: impl Fn(&str, bool) -> String,
) -> Vec<Heading> {
    columns
        .iter()
        .map(|c| {
            let is_sorted = sorted == Some(c.key);
            // The sorted column's link turns the order round; another starts in its own.
            let next = if is_sorted {
                !descending
            } else {
                c.starts_descending
            };
            Heading {
                key: c.key,
                label: c.label,
                href: href(c.key, next),
                aria_sort: is_sorted.then_some(if descending {
                    "descending"
                } else {
                    "ascending"
                }),
                numeric: c.numeric,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: &[SortColumn<u8>] = &[
        SortColumn {
            key: "name",
            label: "Name",
            sort: 0,
            starts_descending: false,
            numeric: false,
        },
        SortColumn {
            key: "score",
            label: "Score",
            sort: 1,
            starts_descending: true,
            numeric: true,
        },
    ];

    #[test]
    fn the_sorted_column_turns_round_and_another_starts_in_its_own_order() {
        let h = headings(COLUMNS, Some("name"), false, |k, d| format!("{k}:{d}"));
        assert_eq!(
            (h[0].href.as_str(), h[0].aria_sort),
            ("name:true", Some("ascending"))
        );
        assert_eq!((h[1].href.as_str(), h[1].aria_sort), ("score:true", None));
        assert_eq!(h[0].arrow(), " ▲");
        let none = headings(COLUMNS, None, false, |k, d| format!("{k}:{d}"));
        assert!(none.iter().all(|h| h.aria_sort.is_none()));
    }

    #[test]
    fn the_order_asked_for_is_read_strictly() {
        assert_eq!(
            chosen(COLUMNS, Some("score"), None).map(|(c, d)| (c.sort, d)),
            Some((1, true))
        );
        assert_eq!(
            chosen(COLUMNS, Some("score"), Some("asc")).map(|(c, d)| (c.sort, d)),
            Some((1, false))
        );
        assert_eq!(
            chosen(COLUMNS, Some("name"), Some("sideways")).map(|(c, d)| (c.sort, d)),
            Some((0, false))
        );
        assert!(chosen(COLUMNS, Some("salary"), None).is_none());
        assert!(chosen(COLUMNS, None, Some("desc")).is_none());
    }
}
