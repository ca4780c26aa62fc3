//! The protocol's own stdout: on Unix the real stdout is duplicated for the transport and
//! fd 1 is pointed at stderr, so that whatever else writes to stdout — a plugin's `println!`,
//! a library's stray print — lands on stderr instead of corrupting the stream of frames.
//!
//! Plain tokio and libc, no MCP SDK: [`crate::protocol`] hands the two halves to rmcp.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// stdout as it was when [`ProtocolStdout::claim`] ran: the only way to write to it since.
pub struct ProtocolStdout {
    #[cfg(unix)]
    fd: std::os::fd::OwnedFd,
}

impl ProtocolStdout {
    /// Duplicates stdout for the protocol and points fd 1 at stderr (Unix). Call it before
    /// anything could print (before plugins are loaded and called). Elsewhere, stdout stays
    /// as it is.
    pub fn claim() -> io::Result<Self> {
        #[cfg(unix)]
        {
            use std::io::Write;
            use std::os::fd::{FromRawFd, OwnedFd};
            // Whatever std buffered for stdout belongs before the redirection.
            let _ = io::stdout().lock().flush();
            // SAFETY: plain descriptor calls; the new descriptor is ours alone (close-on-exec,
            // so children started by plugins do not hold the protocol channel open).
            let fd = unsafe { libc::fcntl(libc::STDOUT_FILENO, libc::F_DUPFD_CLOEXEC, 3) };
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: `fd` was just returned by fcntl and is owned by nothing else.
            let fd = unsafe { OwnedFd::from_raw_fd(fd) };
            // SAFETY: both descriptors are open; fd 1 now refers to stderr's file.
            if unsafe { libc::dup2(libc::STDERR_FILENO, libc::STDOUT_FILENO) } < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(Self { fd })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// The transport's halves: stdin and the claimed stdout. On Linux, a pipe (the way MCP
    /// clients start servers) is reopened through `/proc/self/fd` with `O_NONBLOCK` on its
    /// own open file description (as rmcp's `stdio_pipes` does: the client's end keeps its
    /// flags) and driven by tokio's reactor; anything else is read on tokio's blocking pool
    /// (stdin) or written in place (stdout: a file or a terminal).
    pub fn transport(self) -> (Reader, Writer) {
        #[cfg(unix)]
        {
            #[cfg(target_os = "linux")]
            {
                use std::os::fd::AsRawFd;
                let reader = reopen(libc::STDIN_FILENO, false)
                    .and_then(|fd| tokio::net::unix::pipe::Receiver::from_owned_fd(fd).ok())
                    .map(|r| Reader(Box::new(r)));
                let writer = reopen(self.fd.as_raw_fd(), true)
                    .and_then(|fd| tokio::net::unix::pipe::Sender::from_owned_fd(fd).ok())
                    .map(|w| Writer(Box::new(w)));
                tracing::debug!(
                    "mcp: stdin {}, stdout {}",
                    if reader.is_some() { "a non-blocking pipe" } else { "blocking" },
                    if writer.is_some() { "a non-blocking pipe" } else { "written in place" }
                );
                let reader = reader.unwrap_or_else(|| Reader(Box::new(tokio::io::stdin())));
                let writer =
                    writer.unwrap_or_else(|| Writer(Box::new(InPlace(std::fs::File::from(self.fd)))));
                (reader, writer)
            }
            #[cfg(not(target_os = "linux"))]
            (Reader(Box::new(tokio::io::stdin())), Writer(Box::new(InPlace(std::fs::File::from(self.fd)))))
        }
        #[cfg(not(unix))]
        {
            (Reader(Box::new(tokio::io::stdin())), Writer(Box::new(tokio::io::stdout())))
        }
    }
}

/// `fd` reopened with `O_NONBLOCK` on its own open file description, when it is a FIFO.
#[cfg(target_os = "linux")]
fn reopen(fd: std::os::fd::RawFd, write: bool) -> Option<std::os::fd::OwnedFd> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let file = std::fs::OpenOptions::new()
        .read(!write)
        .write(write)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(format!("/proc/self/fd/{fd}"))
        .ok()?;
    file.metadata().ok().filter(|m| m.file_type().is_fifo())?;
    Some(file.into())
}

/// The protocol's input.
pub struct Reader(Box<dyn AsyncRead + Send + Unpin>);

/// The protocol's output.
pub struct Writer(Box<dyn AsyncWrite + Send + Unpin>);

impl AsyncRead for Reader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Writer {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// A file or terminal written in place: frames are small and such writes do not wait on a
/// reader.
#[cfg(unix)]
struct InPlace(std::fs::File);

#[cfg(unix)]
impl AsyncWrite for InPlace {
    fn poll_write(mut self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(io::Write::write(&mut self.0, buf))
    }
    fn poll_flush(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(io::Write::flush(&mut self.0))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_is_reopened_non_blocking_and_the_original_keeps_its_flags() {
        use std::os::fd::AsRawFd;
        let (read, write) = std::io::pipe().unwrap();
        let reopened = reopen(write.as_raw_fd(), true).expect("a pipe is a FIFO");
        let flags = |fd| unsafe { libc::fcntl(fd, libc::F_GETFL) };
        assert_ne!(flags(reopened.as_raw_fd()) & libc::O_NONBLOCK, 0);
        assert_eq!(flags(write.as_raw_fd()) & libc::O_NONBLOCK, 0);
        assert!(reopen(std::fs::File::open("/dev/null").unwrap().as_raw_fd(), false).is_none());
        drop(read);
    }
}
