//! The `rustmf` command-line interface.
use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = rustmf::cli::Cli::parse();
    match rustmf::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
