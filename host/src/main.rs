fn main() -> std::process::ExitCode {
    let host = statusctl_host::Host::builder("statusctl")
        .about("Status pages from the command line: incidents, maintenances and components, through provider plugins")
        .build();
    let outcome = host.run(std::env::args_os());
    std::process::ExitCode::from(outcome.print().code())
}
