//! The roles plugin: owners invite, list and revoke organizers, and read
//! the audit log.

use crate::plugin::{Call, Extensions, Plugin};
use crate::registry::{Audience, Declaration};
use crate::roles;

pub(crate) struct Roles;

/// Owners' commands.
pub(crate) const fn for_owners(name: &'static str, about: &'static str) -> Declaration {
    Declaration::new(name, about).for_audience(Audience::Owner)
}

impl Plugin for Roles {
    fn name(&self) -> &'static str {
        super::ROLES
    }

    fn build(&self, app: &mut Extensions) {
        app.command(for_owners("invite", "cmd-invite").aliases(&["einladen"]).usage("usage-invite"), |call: Call| async move {
            roles::invite(&call.scene, call.message.from.as_ref(), &call.me, &call.args).await
        })
        .command(for_owners("organizers", "cmd-organizers").aliases(&["organisatoren"]), |call: Call| async move {
            roles::list(&call.scene).await
        })
        .command(for_owners("revoke", "cmd-revoke").aliases(&["entziehen"]).usage("usage-revoke"), |call: Call| async move {
            roles::revoke(&call.scene, call.message.from.as_ref(), &call.args).await
        })
        .command(for_owners("audit", "cmd-audit").aliases(&["protokoll"]), |call: Call| async move {
            roles::audit(&call.scene).await
        });
    }
}
