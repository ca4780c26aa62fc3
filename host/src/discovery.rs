//! Where plugins are looked for, and which files there are candidates.

use std::path::{Path, PathBuf};

/// One directory of the search path and why it is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDir {
    pub path: PathBuf,
    pub origin: &'static str,
}

/// The origin of the directories named with `--plugin-dir`.
pub const FLAG_ORIGIN: &str = "--plugin-dir";

/// Inputs that decide the search path (kept apart from the process so tests and embedders
/// can pass their own).
#[derive(Debug, Clone, Default)]
pub struct SearchPathInputs {
    /// `--plugin-dir`, in the order given.
    pub flag_dirs: Vec<PathBuf>,
    /// The `<PREFIX>_PLUGIN_PATH` variable (colon-separated on Unix).
    pub path_var: Option<String>,
    /// `$XDG_DATA_HOME/<name>/plugins` or `~/.local/share/<name>/plugins`.
    pub user_dir: Option<PathBuf>,
    /// The running executable (gives `<exe dir>/../lib/<name>/plugins` and `<exe dir>`).
    pub exe: Option<PathBuf>,
    /// Include the user, prefix and executable directories.
    pub standard_dirs: bool,
    /// The program name (`statusctl`), used in the standard directory names.
    pub name: String,
}

/// The user plugin directory for a program name.
pub fn user_plugin_dir(name: &str, xdg_data_home: Option<PathBuf>, home: Option<PathBuf>) -> Option<PathBuf> {
    let base = xdg_data_home.filter(|p| p.is_absolute()).or_else(|| home.map(|h| h.join(".local/share")))?;
    Some(base.join(name).join("plugins"))
}

/// The search path, in order, keeping only directories that exist (each once).
/// The current directory is never searched unless named explicitly.
pub fn search_path(inputs: &SearchPathInputs) -> Vec<SearchDir> {
    let mut dirs = Vec::new();
    for dir in &inputs.flag_dirs {
        dirs.push(SearchDir { path: dir.clone(), origin: FLAG_ORIGIN });
    }
    if let Some(var) = &inputs.path_var {
        for dir in std::env::split_paths(var).filter(|p| !p.as_os_str().is_empty()) {
            dirs.push(SearchDir { path: dir, origin: "plugin path variable" });
        }
    }
    if inputs.standard_dirs {
        if let Some(user) = &inputs.user_dir {
            dirs.push(SearchDir { path: user.clone(), origin: "user plugin dir" });
        }
        if let Some(exe_dir) = inputs.exe.as_deref().and_then(Path::parent) {
            let prefix_dir = exe_dir.join("..").join("lib").join(&inputs.name).join("plugins");
            dirs.push(SearchDir { path: prefix_dir, origin: "install prefix" });
            dirs.push(SearchDir { path: exe_dir.to_path_buf(), origin: "executable dir" });
        }
    }
    let mut seen = Vec::new();
    dirs.retain(|d| match d.path.canonicalize() {
        Ok(canon) if canon.is_dir() && !seen.contains(&canon) => {
            seen.push(canon);
            true
        }
        _ => false,
    });
    dirs
}

/// Library files in a directory, sorted by name. Other files are ignored silently.
pub fn library_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| is_library_name(p) && p.is_file())
        .collect();
    files.sort();
    files
}

/// Whether discovery would consider a file with this name: the platform's library extension
/// (`.so`, `.dylib`, `.dll`), not hidden. `plugins install` refuses other names, so nothing
/// is installed that the search would then skip.
pub fn is_library_name(path: &Path) -> bool {
    let hidden = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
    !hidden && path.extension().and_then(|e| e.to_str()) == Some(std::env::consts::DLL_EXTENSION)
}

/// The namespace a library file probably serves, from its name (`libstatusctl_nobl9.so` →
/// `nobl9`), for reporting a plugin that could not be loaded.
pub fn namespace_from_file_name(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    let stem = stem.strip_prefix(std::env::consts::DLL_PREFIX).unwrap_or(stem);
    let stem = stem.strip_prefix("statusctl_").unwrap_or(stem);
    let stem = stem.strip_prefix("plugin_").unwrap_or(stem);
    (!stem.is_empty()).then(|| stem.replace('-', "_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_existence() {
        let tmp = tempfile::tempdir().unwrap();
        let mk = |p: &str| {
            let d = tmp.path().join(p);
            std::fs::create_dir_all(&d).unwrap();
            d
        };
        let (a, b, user, bin) = (mk("a"), mk("b"), mk("user"), mk("prefix/bin"));
        let lib = mk("prefix/lib/statusctl/plugins");
        let inputs = SearchPathInputs {
            flag_dirs: vec![a.clone(), tmp.path().join("missing")],
            path_var: Some(format!("{}::{}", b.display(), a.display())),
            user_dir: Some(user.clone()),
            exe: Some(bin.join("statusctl")),
            standard_dirs: true,
            name: "statusctl".into(),
        };
        let got: Vec<_> = search_path(&inputs).into_iter().map(|d| d.path.canonicalize().unwrap()).collect();
        let want: Vec<_> = [a, b, user, lib, bin].iter().map(|p| p.canonicalize().unwrap()).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn user_dir_follows_xdg() {
        assert_eq!(
            user_plugin_dir("s", Some("/x".into()), Some("/h".into())),
            Some(PathBuf::from("/x/s/plugins"))
        );
        assert_eq!(
            user_plugin_dir("s", Some("relative".into()), Some("/h".into())),
            Some(PathBuf::from("/h/.local/share/s/plugins"))
        );
        assert_eq!(user_plugin_dir("s", None, None), None);
    }

    #[test]
    fn namespace_guess() {
        let name =
            format!("{}statusctl_nobl9.{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_EXTENSION);
        assert_eq!(namespace_from_file_name(Path::new(&name)).as_deref(), Some("nobl9"));
    }
}
