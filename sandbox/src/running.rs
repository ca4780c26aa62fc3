//! Handle on a sandbox served by the caller's tokio runtime.

use std::net::SocketAddr;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::control::Control;

/// Stops serving when shut down or dropped.
#[derive(Debug)]
pub struct RunningSandbox {
    addr: SocketAddr,
    control: Control,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningSandbox {
    pub(crate) fn new(
        addr: SocketAddr,
        control: Control,
        stop: oneshot::Sender<()>,
        task: JoinHandle<()>,
    ) -> Self {
        Self { addr, control, stop: Some(stop), task: Some(task) }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn control(&self) -> Control {
        self.control.clone()
    }

    /// Stops accepting, closes open connections and waits until the port is
    /// released.
    pub async fn shutdown(mut self) {
        self.signal_stop();
        if let Some(task) = self.task.take() {
            // A panic in the accept loop has already been reported by tokio.
            let _ = task.await;
        }
    }

    fn signal_stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            // The loop may already be gone with its runtime: nothing to stop then.
            let _ = stop.send(());
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        self.signal_stop();
    }
}
