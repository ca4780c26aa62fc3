//! Showing a wait: a spinner with a countdown on a terminal, one log line otherwise, and
//! the way every wait (and the `--max-wait` it must fit in) is written for people.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::progress::{Progress, ProgressSink};

/// The command line's view of waits: nothing with `-q` or for a wait of a second or less
/// (a `-v` line then), a spinner with a countdown on a terminal, one log line otherwise.
pub fn terminal_progress(visible: bool) -> ProgressSink {
    let terminal = std::io::stderr().is_terminal();
    // `Some` while a wait is shown (the spinner, if on a terminal).
    let shown: Mutex<Option<Option<indicatif::ProgressBar>>> = Mutex::new(None);
    Arc::new(move |event: &Progress| {
        let mut shown = shown.lock().unwrap_or_else(|e| e.into_inner());
        match event {
            Progress::Waiting { total, left, reason } => {
                let current = shown.get_or_insert_with(|| {
                    if !visible || *total <= Duration::from_secs(1) {
                        tracing::debug!("waiting {} ({reason})", human(*total));
                        None
                    } else if !terminal {
                        tracing::info!("waiting {} ({reason})", human(*total));
                        None
                    } else {
                        let spinner = indicatif::ProgressBar::new_spinner();
                        spinner.enable_steady_tick(Duration::from_millis(120));
                        Some(spinner)
                    }
                });
                if let Some(spinner) = current {
                    let left = human(Duration::from_secs(left.as_secs() + 1));
                    spinner.set_message(format!("waiting {left} ({reason})"));
                }
            }
            Progress::Waited => {
                if let Some(Some(spinner)) = shown.take() {
                    spinner.finish_and_clear();
                }
            }
        }
    })
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
