//! A sandbox on a thread of its own, for synchronous tests and the CLI.

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread::{self, JoinHandle};

use tokio::sync::oneshot;

use crate::control::Control;
use crate::error::SandboxError;
use crate::running::RunningSandbox;

/// Stops the sandbox and joins its thread when dropped.
#[derive(Debug)]
pub struct BackgroundSandbox {
    addr: SocketAddr,
    control: Control,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl BackgroundSandbox {
    /// Starts a runtime on a new thread and runs `serve` on it (the builder
    /// passes its own `serve`); returns once the sandbox is listening, or
    /// with the error that kept it from starting.
    pub(crate) fn start<F, Serve>(serve: Serve) -> Result<Self, SandboxError>
    where
        Serve: FnOnce() -> F + Send + 'static,
        F: Future<Output = Result<RunningSandbox, SandboxError>>,
    {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = thread::Builder::new()
            .name("statusctl-sandbox".to_owned())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("statusctl-sandbox-worker")
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        let _ = ready_tx.send(Err(SandboxError::Runtime(error)));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match serve().await {
                        Ok(running) => {
                            let _ = ready_tx.send(Ok((running.addr(), running.control())));
                            // Also resolves when the handle is gone without a word.
                            let _ = stopped.await;
                            running.shutdown().await;
                        }
                        Err(error) => {
                            let _ = ready_tx.send(Err(error));
                        }
                    }
                });
            })
            .map_err(SandboxError::Thread)?;
        // A closed channel means the thread died (panicked) before reporting.
        let (addr, control) = ready_rx.recv().map_err(|_| SandboxError::ThreadExited)??;
        Ok(Self { addr, control, stop: Some(stop), thread: Some(thread) })
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

    /// Serves until the process ends (e.g. on Ctrl-C).
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            // `self.stop` stays alive meanwhile, so the sandbox keeps running;
            // the join only returns if the sandbox thread panicked.
            let _ = thread.join();
        }
    }
}

impl Drop for BackgroundSandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            // A panic on the sandbox thread was already printed; nothing to add.
            let _ = thread.join();
        }
    }
}
