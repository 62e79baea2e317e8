//! `union-local`: Basis with every default plugin and the posting API, plus
//! the local's own.
//! It takes the same `BASIS_*` environment and subcommands as `basis`.

use std::process::ExitCode;

use basis::{DefaultPlugins, Plugin, PluginGroup};
use union_local::{Settings, UnionLocal};

#[tokio::main]
async fn main() -> ExitCode {
    let file = std::env::var_os("BASIS_CONFIG").unwrap_or_else(|| "basis.toml".into());
    let settings = match Settings::load(std::path::Path::new(&file)) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("union-local: {error}");
            return ExitCode::from(2);
        }
    };
    let api = match basis_api::PostingApi::load(std::path::Path::new(&file)) {
        Ok(api) => api,
        Err(error) => {
            eprintln!("union-local: {error}");
            return ExitCode::from(2);
        }
    };
    let mut plugins = DefaultPlugins::default().into_plugins();
    plugins.push(std::sync::Arc::new(api) as std::sync::Arc<dyn Plugin>);
    plugins.push(std::sync::Arc::new(UnionLocal { settings }) as std::sync::Arc<dyn Plugin>);
    basis::cli::main("union-local", plugins).await
}
