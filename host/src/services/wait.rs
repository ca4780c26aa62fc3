//! Showing a wait: a spinner with a countdown on a terminal, one log line otherwise.

use std::io::IsTerminal;
use std::time::Duration;

use super::clock::Clock;
use super::http::human;

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
