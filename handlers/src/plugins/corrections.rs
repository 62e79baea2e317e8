//! The corrections plugin: `/followup`, `/edit` and `/retract`.

use super::posting::for_organizers;
use crate::corrections::{self, Correction};
use crate::organizer;
use crate::plugin::{Call, Extensions, Plugin};

pub(crate) struct Corrections;

impl Plugin for Corrections {
    fn name(&self) -> &'static str {
        super::CORRECTIONS
    }

    fn build(&self, app: &mut Extensions) {
        app.command(
            for_organizers("followup", "cmd-followup").aliases(&["nachtrag"]).usage("usage-followup"),
            |call: Call| async move { organizer::follow_up(&call.scene, call.role()?, &call.message, &call.args).await },
        )
        .command(
            for_organizers("edit", "cmd-edit").aliases(&["korrigieren"]).usage("usage-edit"),
            |call: Call| async move {
                corrections::correct(&call.scene, call.role()?, &call.message, &call.args, Correction::Edit).await
            },
        )
        .command(
            for_organizers("retract", "cmd-retract").aliases(&["zurueckziehen"]).usage("usage-id"),
            |call: Call| async move {
                corrections::correct(&call.scene, call.role()?, &call.message, &call.args, Correction::Retract).await
            },
        );
    }
}
