//! The privacy plugin: `/privacy`, `/mydata` and `/stop` with its question.

use crate::plugin::{Extensions, Plugin};
use crate::privacy;
use crate::registry::{Audience, Declaration};

pub(crate) struct Privacy;

impl Plugin for Privacy {
    fn name(&self) -> &'static str {
        super::PRIVACY
    }

    fn build(&self, app: &mut Extensions) {
        app.command(Declaration::new("privacy", "cmd-privacy").aliases(&["datenschutz"]), privacy::privacy_command)
            // A group's data is for its admins.
            .command(
                Declaration::new("mydata", "cmd-mydata")
                    .aliases(&["meinedaten"])
                    .for_audience(Audience::GroupAdmin)
                    .denied("mydata-admins-only"),
                privacy::my_data_command,
            )
            .command(Declaration::new("stop", "cmd-stop").for_audience(Audience::GroupAdmin), privacy::stop)
            .callbacks("stop", privacy::stop_press);
    }
}
