//! The statistics plugin: `/stats`, `/link` and `/qr`.

use crate::plugin::{Call, Extensions, Plugin};
use crate::registry::{Audience, Declaration};
use crate::stats;

pub(crate) struct Statistics;

/// Statistics and links, for organizers.
const fn for_analysts(name: &'static str, about: &'static str) -> Declaration {
    Declaration::new(name, about).for_audience(Audience::Organizer).denied("stats-not-allowed")
}

impl Plugin for Statistics {
    fn name(&self) -> &'static str {
        super::STATISTICS
    }

    fn build(&self, app: &mut Extensions) {
        app.command(for_analysts("stats", "cmd-stats").aliases(&["statistik"]), |call: Call| async move {
            stats::stats(&call.scene, call.role()?).await
        })
        .command(for_analysts("link", "cmd-link").usage("usage-link"), |call: Call| async move {
            stats::link(&call.scene, call.role()?, &call.me, &call.args).await
        })
        .command(for_analysts("qr", "cmd-qr").usage("usage-link"), |call: Call| async move {
            stats::qr(&call.scene, call.role()?, &call.me, &call.args).await
        });
    }
}
