//! The application: parse the command line, run one command, map the
//! result to an exit code. `main` calls [`run`] and nothing else; the
//! command bodies are in `commands`.

use clap::{CommandFactory, Parser};

use crate::cli::{Cli, Command};
pub use crate::commands::Exit;
use crate::commands::{self, push::Mode};
use crate::ui::Ui;

/// Parse the command line, run, and return the exit status.
pub fn run() -> Exit {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return Exit::Error;
        }
    };
    let verbose = cli.global.verbose > 0;
    let color = Ui::stderr_color(&cli.global);
    match runtime.block_on(dispatch(cli)) {
        Ok(exit) => exit,
        Err(e) => {
            let escaped = |text: String| crate::escape::lines_for_terminal(&text).into_owned();
            let first = format!("error: {}", escaped(e.to_string()));
            if color {
                eprintln!("{}", crate::ui::color::paint_lines(&first));
            } else {
                eprintln!("{first}");
            }
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {}", escaped(cause.to_string()));
            }
            let detail = e
                .chain()
                .find_map(|c| c.downcast_ref::<crate::store::StoreError>())
                .and_then(|s| s.detail.as_deref());
            if let (true, Some(detail)) = (verbose, detail) {
                eprintln!("  detail: {}", escaped(detail.to_string()));
            }
            Exit::Error
        }
    }
}

async fn dispatch(cli: Cli) -> anyhow::Result<Exit> {
    let global = &cli.global;
    if global.show_settings {
        let settings =
            commands::load_settings(global, &commands::overrides_for(global, &cli.command))?;
        Ui::new(global, true).out_data(&format!("{}\n", settings.to_json()?))?;
        return Ok(Exit::Success);
    }
    match &cli.command {
        Command::Push(args) => {
            let ui = Ui::new(global, args.sync.json);
            commands::push::command(
                global,
                &args.sync,
                ui,
                if args.dry_run {
                    Mode::DryRun
                } else {
                    Mode::Push {
                        wait: args.wait.wait,
                    }
                },
            )
            .await
        }
        Command::Diff(args) => {
            let ui = Ui::new(global, args.sync.json);
            let mode = if args.exit_code {
                Mode::DiffExitCode
            } else {
                Mode::Diff
            };
            commands::push::command(global, &args.sync, ui, mode).await
        }
        Command::Prune(args) => {
            commands::prune::command(global, args, Ui::new(global, args.json)).await
        }
        Command::Destroy(args) => {
            commands::destroy::command(global, args, &Ui::new(global, args.json)).await
        }
        Command::Log(args) => {
            commands::log::command(global, args, &Ui::new(global, args.json)).await
        }
        Command::Rollback(args) => {
            commands::rollback::command(global, args, Ui::new(global, args.json)).await
        }
        Command::Manifest(args) => {
            commands::manifest::command(global, args, Ui::new(global, true)).await
        }
        Command::Check(args) => commands::check::command(global, args, Ui::new(global, true)).await,
        Command::Policy(args) => commands::policy::command(global, args, &Ui::new(global, true)),
        Command::Setup(args) => {
            commands::setup::command(global, args, &Ui::new(global, true)).await
        }
        Command::Url(args) => commands::url::command(global, args, &Ui::new(global, true)).await,
        Command::Explain(args) => commands::explain::command(global, args, &Ui::new(global, true)),
        Command::Init => commands::init::command(global, &Ui::new(global, true)),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "s3sync", &mut out);
            Ui::new(global, true).out_data(&String::from_utf8_lossy(&out))?;
            Ok(Exit::Success)
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            Ui::new(global, true).out_data(&String::from_utf8_lossy(&out))?;
            Ok(Exit::Success)
        }
    }
}
