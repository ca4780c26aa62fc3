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
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let dir = file.parent().unwrap_or(Path::new("."));
    let mut warning = None;
    for (what, path) in [("file", file), ("directory", dir)] {
        let Ok(meta) = std::fs::metadata(path) else { continue };
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
}
