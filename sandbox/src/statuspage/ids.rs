//! Statuspage-shaped identifiers: 12 lowercase alphanumerics.

const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
pub(crate) const ID_LENGTH: usize = 12;

pub(crate) fn random_id(rng: &mut fastrand::Rng) -> String {
    random_string(rng, ID_LENGTH)
}

/// A random id that `taken` does not know yet.
pub(crate) fn fresh_id(rng: &mut fastrand::Rng, taken: impl Fn(&str) -> bool) -> String {
    loop {
        let id = random_id(rng);
        if !taken(&id) {
            return id;
        }
    }
}

pub(crate) fn random_string(rng: &mut fastrand::Rng, length: usize) -> String {
    (0..length).map(|_| char::from(ALPHABET[rng.usize(..ALPHABET.len())])).collect()
}

#[cfg(test)]
pub(crate) fn looks_like_id(text: &str) -> bool {
    text.len() == ID_LENGTH && text.bytes().all(|byte| ALPHABET.contains(&byte))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_have_the_statuspage_shape() {
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..100 {
            let id = random_id(&mut rng);
            assert!(looks_like_id(&id), "{id}");
        }
        assert!(!looks_like_id("API"));
        assert!(!looks_like_id("ABCDEFGHIJKL"));
    }
}
