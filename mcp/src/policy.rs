//! What an agent may call: `--allow-writes`, `--tools` and `--max-calls`, all over command
//! ids in the `namespace:command` form (dashes allowed for `_`), with globs (`*`, `?`).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use statusctl_plugin_api::Effect;

/// A refused flag value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError(pub String);

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PolicyError {}

/// One `namespace`, `namespace:command` or glob (`statuspage:list_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// Normalised: `_` for `-`, and `ns` alone as `ns:*`.
    text: String,
    /// Named without a glob: `ns:command` exactly.
    exact: bool,
}

impl Pattern {
    pub fn parse(spec: &str) -> Result<Self, PolicyError> {
        let spec = spec.trim();
        let ok = !spec.is_empty()
            && spec.chars().all(|c| c.is_ascii_alphanumeric() || "_-:*?".contains(c))
            && spec.matches(':').count() <= 1;
        if !ok {
            return Err(PolicyError(format!(
                "`{spec}` is not a namespace, `namespace:command` or a glob over them (`statuspage:list_*`)"
            )));
        }
        let text = spec.to_ascii_lowercase().replace('-', "_");
        let glob = text.contains(['*', '?']);
        Ok(match text.contains(':') {
            true => Self { exact: !glob, text },
            // A namespace (or a glob over namespaces) stands for all its commands.
            false => Self { text: format!("{text}:*"), exact: false },
        })
    }

    /// Whether the command id (`ns:command`) matches.
    pub fn matches(&self, id: &str) -> bool {
        glob(self.text.as_bytes(), id.replace('-', "_").as_bytes())
    }

    /// Whether the pattern names exactly this command (no glob, not a namespace).
    pub fn names(&self, id: &str) -> bool {
        self.exact && self.text == id.replace('-', "_")
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// `*` any run of characters, `?` one.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some(p);
            mark = t;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            t = mark;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// `--max-calls PATTERN=N/hour`: at most N calls of the matching commands (together) in any
/// sliding window of that length.
#[derive(Debug)]
pub struct CallCap {
    pub pattern: Pattern,
    pub limit: u32,
    pub window: Duration,
    unit: &'static str,
    calls: Mutex<VecDeque<Instant>>,
}

impl CallCap {
    pub fn parse(spec: &str) -> Result<Self, PolicyError> {
        let bad = || {
            PolicyError(format!(
                "`{spec}` is not PATTERN=N/hour (say `statuspage:create_incident=5/hour`; /minute and /day too)"
            ))
        };
        let (pattern, rate) = spec.rsplit_once('=').ok_or_else(bad)?;
        let (count, unit) = rate.trim().split_once('/').ok_or_else(bad)?;
        let limit: u32 = count.trim().parse().map_err(|_| bad())?;
        let (window, unit) = match unit.trim() {
            "hour" | "h" => (Duration::from_secs(3600), "hour"),
            "minute" | "min" | "m" => (Duration::from_secs(60), "minute"),
            "day" | "d" => (Duration::from_secs(86_400), "day"),
            _ => return Err(bad()),
        };
        Ok(Self { pattern: Pattern::parse(pattern)?, limit, window, unit, calls: Mutex::default() })
    }

    /// Counts a call of `id` now, or says why it is refused.
    pub fn take(&self, id: &str, now: Instant) -> Result<(), String> {
        if !self.pattern.matches(id) {
            return Ok(());
        }
        let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        while calls.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
            calls.pop_front();
        }
        if calls.len() as u64 >= u64::from(self.limit) {
            let again = calls
                .front()
                .map(|t| self.window.saturating_sub(now.duration_since(*t)).as_secs().max(1))
                .unwrap_or(1);
            return Err(format!(
                "call cap reached: at most {} call(s) of `{}` per {} (--max-calls); nothing was sent; the next call is allowed in {again} s",
                self.limit,
                self.pattern.as_str(),
                self.unit
            ));
        }
        calls.push_back(now);
        Ok(())
    }
}

/// The server's rules, from its flags.
#[derive(Debug, Default)]
pub struct Policy {
    /// Commands that change or destroy something and may be served (`destroys` only when named
    /// exactly).
    pub allow_writes: Vec<Pattern>,
    /// When not empty, only matching commands are served.
    pub tools: Vec<Pattern>,
    pub caps: Vec<CallCap>,
}

impl Policy {
    pub fn new(allow_writes: &[String], tools: &[String], caps: &[String]) -> Result<Self, PolicyError> {
        let patterns = |specs: &[String]| -> Result<Vec<Pattern>, PolicyError> {
            specs
                .iter()
                .flat_map(|s| s.split(','))
                .filter(|s| !s.trim().is_empty())
                .map(Pattern::parse)
                .collect()
        };
        Ok(Self {
            allow_writes: patterns(allow_writes)?,
            tools: patterns(tools)?,
            caps: caps.iter().map(|s| CallCap::parse(s)).collect::<Result<_, _>>()?,
        })
    }

    /// Why a command is not served, or `None` if it is.
    pub fn refusal(&self, id: &str, effect: Effect) -> Option<String> {
        if !self.tools.is_empty() && !self.tools.iter().any(|p| p.matches(id)) {
            return Some("not matched by --tools".into());
        }
        match effect {
            Effect::Reads => None,
            Effect::Changes if self.allow_writes.iter().any(|p| p.matches(id)) => None,
            Effect::Changes => {
                let namespace = id.split(':').next().unwrap_or(id);
                Some(format!(
                    "changes something: allow it with --allow-writes {namespace} or --allow-writes {id}"
                ))
            }
            Effect::Destroys if self.allow_writes.iter().any(|p| p.names(id)) => None,
            Effect::Destroys => {
                Some(format!("destroys something: allow it with --allow-writes {id} (its own name)"))
            }
        }
    }

    /// Counts a call against every cap, or says why it is refused (nothing counted then).
    pub fn take_call(&self, id: &str) -> Result<(), String> {
        let now = Instant::now();
        let matching: Vec<&CallCap> = self.caps.iter().filter(|c| c.pattern.matches(id)).collect();
        // Check all first, so a refused call is not counted by the caps it passed.
        for cap in &matching {
            let calls = cap.calls.lock().unwrap_or_else(|e| e.into_inner());
            let live = calls.iter().filter(|t| now.duration_since(**t) < cap.window).count();
            if live as u64 >= u64::from(cap.limit) {
                drop(calls);
                return cap.take(id, now);
            }
        }
        for cap in matching {
            cap.take(id, now)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_name_namespaces_commands_and_globs() {
        let p = |s: &str| Pattern::parse(s).unwrap();
        assert!(p("statuspage").matches("statuspage:create_incident"));
        assert!(!p("statuspage").matches("nobl9:create_incident"));
        assert!(p("statuspage:list-*").matches("statuspage:list_incidents"));
        assert!(!p("statuspage:list_*").matches("statuspage:get_incident"));
        assert!(p("*:create_incident").matches("nobl9:create_incident"));
        assert!(p("nobl9:change-status").names("nobl9:change_status"));
        assert!(!p("nobl9").names("nobl9:change_status") && !p("nobl9:*").names("nobl9:x"));
        for bad in ["", "a b", "a:b:c", "x;y"] {
            assert!(Pattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn writes_need_a_name_and_destroys_their_own() {
        let policy = Policy::new(&["statuspage".into()], &[], &[]).unwrap();
        assert_eq!(policy.refusal("nobl9:list_components", Effect::Reads), None);
        assert_eq!(policy.refusal("statuspage:create_incident", Effect::Changes), None);
        assert_eq!(
            policy.refusal("nobl9:create_incident", Effect::Changes).as_deref(),
            Some(
                "changes something: allow it with --allow-writes nobl9 or --allow-writes nobl9:create_incident"
            )
        );
        assert!(policy.refusal("statuspage:delete_incident", Effect::Destroys).is_some());
        let named = Policy::new(&["statuspage:delete-incident".into()], &[], &[]).unwrap();
        assert_eq!(named.refusal("statuspage:delete_incident", Effect::Destroys), None);
        let tools = Policy::new(&[], &["statuspage:list_*".into()], &[]).unwrap();
        assert!(tools.refusal("statuspage:get_incident", Effect::Reads).is_some());
        assert_eq!(tools.refusal("statuspage:list_pages", Effect::Reads), None);
    }

    #[test]
    fn caps_count_calls_in_a_sliding_window() {
        let policy = Policy::new(&[], &[], &["statuspage:*=2/hour".into()]).unwrap();
        assert!(policy.take_call("statuspage:list_pages").is_ok());
        assert!(policy.take_call("nobl9:list_components").is_ok());
        assert!(policy.take_call("statuspage:list_incidents").is_ok());
        let refused = policy.take_call("statuspage:list_pages").unwrap_err();
        assert!(refused.contains("at most 2 call(s)") && refused.contains("per hour"), "{refused}");
        let cap = CallCap::parse("a:b=1/minute").unwrap();
        let t0 = Instant::now();
        assert!(cap.take("a:b", t0).is_ok() && cap.take("a:b", t0).is_err());
        assert!(cap.take("a:b", t0 + Duration::from_secs(61)).is_ok());
        for bad in ["a:b", "a:b=x/hour", "a:b=1/week", "=1/hour"] {
            assert!(CallCap::parse(bad).is_err(), "{bad}");
        }
    }
}
