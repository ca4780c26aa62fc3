//! Showing a wait: a spinner with a countdown on a terminal, one log line otherwise, and
//! the way every wait (and the `--max-wait` it must fit in) is written for people.

use std::io::IsTerminal;
use std::time::Duration;

use super::clock::Clock;

#[derive(Debug, Clone, Copy)]
pub struct Waiter {
    /// Whether waits of more than a second are shown at all (not with `-q`).
    pub visible: bool,
}

impl Waiter {
    pub async fn wait(&self, clock: &Clock, duration: Duration, reason: &str) {
        if !self.visible || duration <= Duration::from_secs(1) {
            tracing::debug!("waiting {} ({reason})", human(duration));
            return clock.sleep(duration).await;
        }
        if !std::io::stderr().is_terminal() {
            tracing::info!("waiting {} ({reason})", human(duration));
            return clock.sleep(duration).await;
        }
        let spinner = indicatif::ProgressBar::new_spinner();
        spinner.enable_steady_tick(Duration::from_millis(120));
        let end = clock.now() + duration;
        let sleep = clock.sleep(duration);
        tokio::pin!(sleep);
        loop {
            let left = end.saturating_sub(clock.now());
            spinner.set_message(format!(
                "waiting {} ({reason})",
                human(Duration::from_secs(left.as_secs() + 1))
            ));
            tokio::select! {
                _ = &mut sleep => break,
                _ = tokio::time::sleep(clock.real(Duration::from_millis(250))) => {}
            }
        }
        spinner.finish_and_clear();
    }
}

/// A duration for people: `2s`, `1.5s`, `2m 5s`.
pub fn human(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 60.0 {
        let s = format!("{secs:.1}");
        format!("{}s", s.trim_end_matches(".0"))
    } else {
        format!("{}m {}s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_for_people() {
        assert_eq!(human(Duration::from_secs(2)), "2s");
        assert_eq!(human(Duration::from_millis(1500)), "1.5s");
        assert_eq!(human(Duration::from_secs(125)), "2m 5s");
    }
}
