//! Refuses plugin files that someone else could have replaced: loading a library runs its code.

use std::path::Path;

/// What the check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Safe,
    /// Loadable, but worth a warning (group-writable).
    Warn(String),
    /// Not loaded unless `--allow-insecure-plugins`.
    Insecure(String),
}

/// Checks the file and the directory holding it.
#[cfg(unix)]
pub fn check(file: &Path) -> Verdict {
    judge(file, std::fs::metadata(file).ok())
}

/// Checks a file already open for reading (the one whose bytes will be used: it cannot be
/// swapped between the check and the read) and the directory `path` names it in.
#[cfg(unix)]
pub fn check_open(path: &Path, file: &std::fs::File) -> Verdict {
    judge(path, file.metadata().ok())
}

#[cfg(unix)]
fn judge(file: &Path, file_meta: Option<std::fs::Metadata>) -> Verdict {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let dir = file.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut warning = None;
    for (what, path, meta) in [("file", file, file_meta), ("directory", dir, std::fs::metadata(dir).ok())] {
        let Some(meta) = meta else { continue };
        let mode = meta.mode();
        let sticky_dir = meta.is_dir() && mode & 0o1000 != 0;
        if mode & 0o002 != 0 && !sticky_dir {
            return Verdict::Insecure(format!("its {what} {} is world-writable", path.display()));
        }
        if meta.uid() != 0 && meta.uid() != me {
            return Verdict::Insecure(format!(
                "its {what} {} is owned by another user (uid {})",
                path.display(),
                meta.uid()
            ));
        }
        if mode & 0o020 != 0 && !sticky_dir && warning.is_none() {
            warning = Some(format!("its {what} {} is group-writable", path.display()));
        }
    }
    warning.map_or(Verdict::Safe, Verdict::Warn)
}

#[cfg(not(unix))]
pub fn check(_file: &Path) -> Verdict {
    Verdict::Safe
}

#[cfg(not(unix))]
pub fn check_open(_path: &Path, _file: &std::fs::File) -> Verdict {
    Verdict::Safe
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn modes() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let f = tmp.path().join("libx.so");
        std::fs::write(&f, b"x").unwrap();
        let set = |m| std::fs::set_permissions(&f, std::fs::Permissions::from_mode(m)).unwrap();
        set(0o644);
        assert_eq!(check(&f), Verdict::Safe);
        set(0o664);
        assert!(matches!(check(&f), Verdict::Warn(w) if w.contains("group-writable")));
        set(0o646);
        assert!(matches!(check(&f), Verdict::Insecure(w) if w.contains("world-writable")));
        set(0o644);
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(matches!(check(&f), Verdict::Insecure(w) if w.contains("directory")));
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
        assert_eq!(check(&f), Verdict::Safe);
    }

    /// The open file is judged by what was opened, whatever the path names afterwards.
    #[test]
    fn an_open_file_is_judged_by_its_own_mode() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let f = tmp.path().join("libx.so");
        std::fs::write(&f, b"x").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o666)).unwrap();
        let open = std::fs::File::open(&f).unwrap();
        // Swapped for a safe file after the open: the open one is still world-writable.
        std::fs::remove_file(&f).unwrap();
        std::fs::write(&f, b"y").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(check(&f), Verdict::Safe);
        assert!(matches!(check_open(&f, &open), Verdict::Insecure(w) if w.contains("world-writable")));
    }
}
