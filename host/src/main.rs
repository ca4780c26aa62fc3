#[cfg(feature = "sandbox")]
mod sandbox_command;

fn main() -> std::process::ExitCode {
    let host = statusctl_host::Host::builder("statusctl")
        .about("Status pages from the command line: incidents, maintenances and components, through provider plugins");
    #[cfg(feature = "sandbox")]
    let host = sandbox_command::with_profile(host.builtin(sandbox_command::builtin()));
    let outcome = host.build().run(std::env::args_os());
    std::process::ExitCode::from(outcome.print().code())
}
