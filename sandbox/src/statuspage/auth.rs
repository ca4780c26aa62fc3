//! API keys: `Authorization: OAuth KEY` (the literal word `OAuth`, any case)
//! or `?api_key=KEY`. The header wins when both are present.

/// The key a request presents, if any.
pub(crate) fn presented_key(authorization: Option<&str>, query: &[(String, String)]) -> Option<String> {
    let from_header = authorization.and_then(|value| {
        let (scheme, key) = value.trim().split_once(char::is_whitespace)?;
        let key = key.trim();
        (scheme.eq_ignore_ascii_case("oauth") && !key.is_empty()).then(|| key.to_owned())
    });
    from_header.or_else(|| {
        query
            .iter()
            .find(|(name, value)| name == "api_key" && !value.is_empty())
            .map(|(_, value)| value.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_or_query() {
        let query = vec![("api_key".to_owned(), "q".to_owned())];
        assert_eq!(presented_key(Some("OAuth abc"), &[]), Some("abc".to_owned()));
        assert_eq!(presented_key(Some("oauth   abc "), &query), Some("abc".to_owned()));
        assert_eq!(presented_key(Some("Bearer abc"), &query), Some("q".to_owned()));
        assert_eq!(presented_key(Some("Bearer abc"), &[]), None);
        assert_eq!(presented_key(Some("OAuth"), &[]), None);
        assert_eq!(presented_key(None, &query), Some("q".to_owned()));
        assert_eq!(presented_key(None, &[]), None);
    }
}
