//! `union-local`: Basis with every default plugin and the posting API, plus
//! the local's own.
//! It takes the same `BASIS_*` environment and subcommands as `basis`.

use std::process::ExitCode;

use basis::Plugin;
use union_local::{Settings, UnionLocal};

#[tokio::main]
async fn main() -> ExitCode {
    let settings = match Settings::load(&basis::cli::config_file()) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("union-local: {error}");
            return ExitCode::from(2);
        }
    };
    let mut plugins = match basis::cli::default_plugins() {
        Ok(plugins) => plugins,
        Err(error) => {
            eprintln!("union-local: {error}");
            return ExitCode::from(2);
        }
    };
    plugins.push(std::sync::Arc::new(UnionLocal { settings }) as std::sync::Arc<dyn Plugin>);
    basis::cli::main("union-local", plugins).await
}
