//! "Did you mean …?" for misspelt keys, ids and enum values.

/// The candidate closest to `word` by edit distance, if close enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    let candidates: Vec<&'a str> = candidates.into_iter().collect();
    let near = candidates
        .iter()
        .map(|candidate| (distance(word, candidate), *candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate);
    // Failing that, a shortened name (`headroom` for `headroom_percent`) is a likely slip too.
    near.or_else(|| {
        (word.len() >= 4)
            .then(|| {
                candidates
                    .into_iter()
                    .find(|c| c.starts_with(word) || word.starts_with(*c))
            })
            .flatten()
    })
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_only() {
        assert_eq!(closest("prot", ["port", "protocol", "kind"]), Some("port"));
        assert_eq!(
            closest("gcp-f-mcro_1", ["gcp-f-micro_1", "oci-f-micro_1"]),
            Some("gcp-f-micro_1")
        );
        assert_eq!(closest("zebra", ["port", "kind"]), None);
        assert_eq!(
            closest("headroom", ["headroom_percent", "currency"]),
            Some("headroom_percent")
        );
    }
}
