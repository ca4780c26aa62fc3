//! Writing files so that readers never see half of one: a temporary file, then a rename.
//!
//! The temporary file is created next to the target under an unpredictable name, exclusively
//! (`O_CREAT|O_EXCL`, and `O_NOFOLLOW` on Unix): someone who can write to the directory
//! cannot make statusctl write through a link they planted (the old `.NAME.tmp-PID` name could
//! be guessed). The rename replaces whatever is at the target path, a symbolic link included
//! (the link itself, never the file it points to).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `data` to `path` atomically. A new file gets `mode` (less the umask); an existing
/// regular file keeps its permission bits, unless `mode` is private (no group or other bits,
/// as for secrets), which always applies.
pub fn write(path: &Path, data: &[u8], mode: u32) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let kept = existing_mode(path).filter(|_| mode & 0o077 != 0);
    // Private while it is written; its final mode once complete.
    let (tmp, mut file) = create_temporary(dir, name, if kept.is_some() { 0o600 } else { mode })?;
    let result = (|| {
        if let Some(bits) = kept.or((mode & 0o077 == 0).then_some(mode)) {
            set_file_mode(&file, bits)?;
        }
        file.write_all(data)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The permission bits of the regular file at `path` (not following a link).
#[cfg(unix)]
fn existing_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::symlink_metadata(path).ok()?;
    meta.is_file().then(|| meta.permissions().mode() & 0o777)
}

#[cfg(not(unix))]
fn existing_mode(_path: &Path) -> Option<u32> {
    None
}

/// A name nobody can guess ahead: `.NAME.tmp-` and 16 random letters and digits.
fn temporary_name(name: &str) -> String {
    let random: String = std::iter::repeat_with(fastrand::alphanumeric).take(16).collect();
    format!(".{name}.tmp-{random}")
}

/// Creates a new file in `dir` under a fresh [`temporary_name`]: never an existing file, never
/// through a symbolic link.
fn create_temporary(dir: &Path, name: &str, mode: u32) -> std::io::Result<(PathBuf, File)> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode).custom_flags(libc::O_NOFOLLOW);
    }
    #[cfg(not(unix))]
    let _ = mode;
    for _ in 0..100 {
        let path = dir.join(temporary_name(name));
        match options.open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, "no free temporary file name"))
}

/// Sets an open file's permission bits (Unix; a no-op elsewhere).
#[cfg(unix)]
fn set_file_mode(file: &File, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_file_mode(_file: &File, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// Sets a file's permission bits (Unix; a no-op elsewhere).
#[cfg(unix)]
pub fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
pub fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode_of(path: &Path) -> u32 {
        std::fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn temporary_names_cannot_be_guessed() {
        let a = temporary_name("out.json");
        let b = temporary_name("out.json");
        assert_ne!(a, b);
        assert!(a.starts_with(".out.json.tmp-") && a.len() == ".out.json.tmp-".len() + 16);
    }

    /// The old name was `.NAME.tmp-PID`: a link planted there (this process's PID) pointed
    /// the write at another file.
    #[test]
    fn a_link_at_the_old_temporary_name_is_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let victim = tmp.path().join("victim");
        std::fs::write(&victim, "precious\n").unwrap();
        let planted = tmp.path().join(format!(".out.txt.tmp-{}", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        let target = tmp.path().join("out.txt");
        write(&target, b"result\n", 0o644).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "result\n");
        assert!(std::fs::symlink_metadata(&planted).unwrap().file_type().is_symlink());
        let names: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 3, "no temporary file left: {names:?}");
    }

    #[test]
    fn modes_are_kept_or_given() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        std::fs::write(&out, "old").unwrap();
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o640)).unwrap();
        write(&out, b"new", 0o644).unwrap();
        assert_eq!(mode_of(&out), 0o640, "an existing file keeps its mode");
        // A private mode always applies (a secrets file never stays readable by others).
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
        write(&out, b"secret", 0o600).unwrap();
        assert_eq!(mode_of(&out), 0o600);
        let fresh = tmp.path().join("fresh");
        write(&fresh, b"x", 0o600).unwrap();
        assert_eq!(mode_of(&fresh), 0o600);
        // A link at the target is replaced by a file; what it pointed to is untouched.
        let victim = tmp.path().join("victim");
        std::fs::write(&victim, "precious\n").unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        write(&link, b"result", 0o644).unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().is_file());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
        assert_eq!(std::fs::read_to_string(&link).unwrap(), "result");
    }
}
