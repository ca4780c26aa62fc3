//! "Never resend blindly": a request that must not be applied twice is sent again only after
//! a lookup showed the earlier attempt was not applied.

use crate::{Error, ErrorKind};

/// What to do after an attempt whose outcome is unknown.
pub enum Lookup<T> {
    /// The earlier attempt was applied: this is its result.
    Found(T),
    /// It was not applied: send again (while sends remain).
    NotFound,
}

/// Sends with `send` until it answers, at most `max_sends` times. An attempt whose outcome is
/// unknown (`is_unknown`: by default the host's [`ErrorKind::OutcomeUnknown`]) is looked up
/// with `lookup` before anything is sent again; `lookup` gets the error and whether another
/// send may follow, and an error from it ends the loop (it should say the outcome is still
/// unknown and how to check by hand). After the last send, the unknown outcome is the error.
pub fn resend_unless_found<T>(
    max_sends: u32,
    mut send: impl FnMut() -> Result<T, Error>,
    is_unknown: impl Fn(&Error) -> bool,
    mut lookup: impl FnMut(&Error, bool) -> Result<Lookup<T>, Error>,
) -> Result<T, Error> {
    let mut sends = 0;
    loop {
        sends += 1;
        let unknown = match send() {
            Err(err) if is_unknown(&err) => err,
            answered => return answered,
        };
        match lookup(&unknown, sends < max_sends)? {
            Lookup::Found(found) => return Ok(found),
            Lookup::NotFound if sends < max_sends => continue,
            Lookup::NotFound => return Err(unknown),
        }
    }
}

/// The default test for [`resend_unless_found`]: the host reported an unknown outcome.
pub fn outcome_unknown(err: &Error) -> bool {
    err.kind == ErrorKind::OutcomeUnknown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unknown() -> Error {
        Error::new(ErrorKind::OutcomeUnknown, "lost")
    }

    #[test]
    fn found_stops_not_found_resends_up_to_the_limit() {
        let mut sent = 0;
        let found = resend_unless_found(
            3,
            || {
                sent += 1;
                Err::<u32, _>(unknown())
            },
            outcome_unknown,
            |_, _| Ok(Lookup::Found(7)),
        );
        assert_eq!((found.unwrap(), sent), (7, 1));
        let mut sent = 0;
        let mut more = Vec::new();
        let err = resend_unless_found(
            3,
            || {
                sent += 1;
                Err::<u32, _>(unknown())
            },
            outcome_unknown,
            |_, again| {
                more.push(again);
                Ok(Lookup::NotFound)
            },
        )
        .unwrap_err();
        assert_eq!((err.kind, sent, more), (ErrorKind::OutcomeUnknown, 3, vec![true, true, false]));
        let mut sent = 0;
        let answered = resend_unless_found(
            3,
            || {
                sent += 1;
                if sent == 1 { Err(unknown()) } else { Ok(2) }
            },
            outcome_unknown,
            |_, _| Ok(Lookup::NotFound),
        );
        assert_eq!(answered.unwrap(), 2);
        let failed = resend_unless_found(
            3,
            || Err::<u32, _>(Error::failed("422")),
            outcome_unknown,
            |_, _| panic!("a refusal is not looked up"),
        );
        assert_eq!(failed.unwrap_err().kind, ErrorKind::Failed);
    }
}
