//! Basis's own features as plugins. [`DefaultPlugins`] is all of them: the
//! `basis` binary is `DefaultPlugins` and nothing else. A deployment may
//! leave one out ([`DefaultPlugins::without`]); its commands then are
//! unknown, and neither the menu nor `/help` lists them.

use std::sync::Arc;

use crate::plugin::{Extensions, Plugin, PluginGroup};
use crate::registry::COMMANDS;

/// One of Basis's features: its commands, from [`COMMANDS`].
pub struct Feature {
    name: &'static str,
}

/// Subscribing, topics, language and `/help`; a bot without it answers no
/// one, so it cannot be left out.
pub const MEMBERS: &str = "members";
/// `/privacy`, `/mydata` and `/stop`.
pub const PRIVACY: &str = "privacy";
/// `/post` and `/scheduled`.
pub const POSTING: &str = "posting";
/// `/followup`, `/edit` and `/retract`.
pub const CORRECTIONS: &str = "corrections";
/// Assemblies: `/event`, `/events`, `/eventchange`, `/eventcancel`.
pub const ASSEMBLIES: &str = "assemblies";
/// `/stats`, `/link` and `/qr`.
pub const STATISTICS: &str = "statistics";
/// Organizers: `/invite`, `/organizers`, `/revoke`, `/audit`.
pub const ROLES: &str = "roles";
/// `/channel`.
pub const CHANNELS: &str = "channels";

/// Every feature, in the order of the menu.
pub const FEATURES: [&str; 8] = [MEMBERS, PRIVACY, POSTING, CORRECTIONS, ASSEMBLIES, STATISTICS, ROLES, CHANNELS];

impl Plugin for Feature {
    fn name(&self) -> &'static str {
        self.name
    }

    fn build(&self, app: &mut Extensions) {
        for declaration in COMMANDS.iter().filter(|d| d.plugin == self.name) {
            app.declare(declaration.clone());
        }
    }
}

/// All of Basis's features.
#[derive(Clone, Debug, Default)]
pub struct DefaultPlugins {
    left_out: Vec<&'static str>,
}

impl DefaultPlugins {
    /// Leaves out the feature `name` (one of [`FEATURES`] other than
    /// [`MEMBERS`]).
    pub fn without(mut self, name: &'static str) -> DefaultPlugins {
        if name != MEMBERS {
            self.left_out.push(name);
        }
        self
    }
}

impl PluginGroup for DefaultPlugins {
    fn into_plugins(self) -> Vec<Arc<dyn Plugin>> {
        FEATURES
            .iter()
            .filter(|name| !self.left_out.contains(name))
            .map(|&name| Arc::new(Feature { name }) as Arc<dyn Plugin>)
            .collect()
    }
}
