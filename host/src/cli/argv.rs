//! Rewrites argv before clap sees it, driven by the manifests:
//! `ns:create-incident` → `ns:create_incident`, and Conan's multi-letter single-dash
//! spellings (`-cs`, `-cs=V`) → the long flag (clap would read `-ic X` as `-i c X`).

use statusctl_plugin_api::Manifest;

use super::globals::value_flags;

/// The command names and dash spellings of the loaded plugins.
pub struct Rewriter<'a> {
    pub manifests: Vec<&'a Manifest>,
}

impl Rewriter<'_> {
    pub fn rewrite(&self, argv: Vec<String>) -> Vec<String> {
        let mut out = Vec::with_capacity(argv.len());
        let mut iter = argv.into_iter();
        out.extend(iter.next());
        let mut command: Option<(&Manifest, &str)> = None;
        let mut after_help = false;
        let mut skip_value = false;
        let mut rest = false;
        for arg in iter {
            if rest || skip_value {
                skip_value = false;
                out.push(arg);
                continue;
            }
            if arg == "--" {
                rest = true;
                out.push(arg);
                continue;
            }
            if arg.starts_with('-') && arg.len() > 1 {
                if let Some((manifest, name)) = command
                    && let Some(long) = self.dash_alias(manifest, name, &arg)
                {
                    out.push(long);
                    continue;
                }
                skip_value = value_flags().iter().any(|f| f == arg.as_str());
                out.push(arg);
                continue;
            }
            if command.is_none() {
                if let Some((manifest, name)) = self.find_command(&arg) {
                    out.push(format!("{}:{name}", manifest.namespace));
                    command = Some((manifest, name));
                    continue;
                }
                if arg == "help" && !after_help {
                    after_help = true;
                    out.push(arg);
                    continue;
                }
                // Anything else ends the search: a built-in command, or an unknown one
                // that clap will report.
                command = None;
                rest = !after_help;
            }
            out.push(arg);
        }
        out
    }

    fn find_command(&self, token: &str) -> Option<(&Manifest, &str)> {
        let (ns, cmd) = token.split_once(':')?;
        let manifest = self.manifests.iter().copied().find(|m| m.namespace == ns.replace('-', "_"))?;
        let wanted = cmd.replace('-', "_");
        let decl = manifest.commands.iter().find(|c| c.name == wanted)?;
        Some((manifest, decl.name.as_str()))
    }

    fn dash_alias(&self, manifest: &Manifest, command: &str, arg: &str) -> Option<String> {
        if arg.starts_with("--") {
            return None;
        }
        let (flag, value) = match arg.split_once('=') {
            Some((f, v)) => (f, Some(v)),
            None => (arg, None),
        };
        let spelling = flag.strip_prefix('-')?;
        let decl = manifest.commands.iter().find(|c| c.name == command)?;
        let target = decl.args.iter().find(|a| a.dash_aliases.iter().any(|d| d == spelling))?;
        let long = target.long_name()?;
        Some(match value {
            Some(v) => format!("--{long}={v}"),
            None => format!("--{long}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statusctl_plugin_api::{ArgDecl, CommandDecl};

    fn manifest() -> Manifest {
        let mut m = Manifest::new("p", "1", "d").command(
            CommandDecl::new("create_incident", "c")
                .arg(ArgDecl::list("components").short('c').dash_alias("cs"))
                .arg(ArgDecl::value("incident").short('i').dash_alias("ic"))
                .arg(ArgDecl::value("message").short('m')),
        );
        m.namespace = "sp".into();
        m
    }

    fn run(line: &str) -> String {
        let m = manifest();
        let rw = Rewriter { manifests: vec![&m] };
        rw.rewrite(line.split_whitespace().map(String::from).collect()).join(" ")
    }

    #[test]
    fn names_and_dash_spellings() {
        assert_eq!(
            run("s -v sp:create-incident -ic X -cs=a b"),
            "s -v sp:create_incident --incident X --components=a b"
        );
        assert_eq!(
            run("s --profile x sp:create_incident -m -cs"),
            "s --profile x sp:create_incident -m --components"
        );
        assert_eq!(run("s help sp:create-incident"), "s help sp:create_incident");
        assert_eq!(run("s sp:create_incident -- -cs"), "s sp:create_incident -- -cs");
        assert_eq!(run("s plugins info sp:create-incident"), "s plugins info sp:create-incident");
        assert_eq!(run("s --config sp:create-incident x"), "s --config sp:create-incident x");
    }
}
