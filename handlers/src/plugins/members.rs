//! The members plugin: subscribing, topics, the chat's region, language
//! and `/help`.

use crate::plugin::{Extensions, Plugin};
use crate::registry::{Audience, Declaration};
use crate::{member, region_choice};

pub(crate) struct Members;

impl Plugin for Members {
    fn name(&self) -> &'static str {
        super::MEMBERS
    }

    fn build(&self, app: &mut Extensions) {
        // What a group receives is for its admins to change.
        let admins = Audience::GroupAdmin;
        app.command_with(Declaration::new("start", "cmd-start").not_in_help(), member::start)
            .command(Declaration::new("topics", "cmd-topics").aliases(&["themen"]), member::topics)
            .command_with(
                Declaration::new("subscribe", "cmd-subscribe").usage("usage-topic").for_audience(admins),
                member::subscribe,
            )
            .command_with(
                Declaration::new("unsubscribe", "cmd-unsubscribe").usage("usage-topic").for_audience(admins),
                member::unsubscribe,
            )
            .command(Declaration::new("mytopics", "cmd-mytopics"), member::my_topics)
            .command_with(
                Declaration::new("region", "cmd-region").usage("usage-region").for_audience(admins).regional(),
                region_choice::region,
            )
            .command_with(
                Declaration::new("language", "cmd-language").aliases(&["sprache"]).for_audience(admins),
                member::language,
            )
            .command(Declaration::new("help", "cmd-help").aliases(&["hilfe"]), member::help)
            .callbacks("t", member::toggle)
            .callbacks("lang", member::language_press)
            .callbacks("r", region_choice::press);
    }
}
