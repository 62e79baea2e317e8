//! Basis's own features as plugins, written against the same extension API
//! a deployment uses ([`crate::plugin`]): each declares its commands with
//! their handlers, its button namespaces and what it reads of members'
//! messages. [`DefaultPlugins`] is all of them; the `basis` binary is
//! `DefaultPlugins` and nothing else. A deployment may leave one out
//! ([`DefaultPlugins::without`]): its commands are then unknown, neither
//! the menu nor `/help` lists them, and its buttons are stale.

use std::sync::Arc;

use crate::plugin::{Plugin, PluginGroup};

mod assemblies;
mod channels;
mod corrections;
mod members;
mod posting;
mod privacy;
mod roles;
mod statistics;

/// Subscribing, topics, language and `/help`; a bot without it answers no
/// one, so it cannot be left out.
pub const MEMBERS: &str = "members";
/// `/privacy`, `/mydata` and `/stop`.
pub const PRIVACY: &str = "privacy";
/// `/post` and `/scheduled`, previews, the guided `/post`.
pub const POSTING: &str = "posting";
/// `/followup`, `/edit` and `/retract`.
pub const CORRECTIONS: &str = "corrections";
/// Assemblies: `/event`, `/events`, `/eventchange`, `/eventcancel`, answers.
pub const ASSEMBLIES: &str = "assemblies";
/// `/stats`, `/link` and `/qr`.
pub const STATISTICS: &str = "statistics";
/// Organizers: `/invite`, `/organizers`, `/revoke`, `/audit`.
pub const ROLES: &str = "roles";
/// `/channel`.
pub const CHANNELS: &str = "channels";

/// Every feature, in the order of the menu.
pub const FEATURES: [&str; 8] = [MEMBERS, PRIVACY, POSTING, CORRECTIONS, ASSEMBLIES, STATISTICS, ROLES, CHANNELS];

/// The plugin of the feature `name`.
fn feature(name: &str) -> Option<Arc<dyn Plugin>> {
    Some(match name {
        MEMBERS => Arc::new(members::Members),
        PRIVACY => Arc::new(privacy::Privacy),
        POSTING => Arc::new(posting::Posting),
        CORRECTIONS => Arc::new(corrections::Corrections),
        ASSEMBLIES => Arc::new(assemblies::Assemblies),
        STATISTICS => Arc::new(statistics::Statistics),
        ROLES => Arc::new(roles::Roles),
        CHANNELS => Arc::new(channels::Channels),
        _ => return None,
    })
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
        FEATURES.iter().filter(|name| !self.left_out.contains(name)).filter_map(|name| feature(name)).collect()
    }
}
