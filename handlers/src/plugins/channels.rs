//! The channels plugin: owners link the organisation's channels and forum
//! topics to topics (`/channel`).

use super::roles::for_owners;
use crate::channels;
use crate::plugin::{Call, Extensions, Plugin};

pub(crate) struct Channels;

impl Plugin for Channels {
    fn name(&self) -> &'static str {
        super::CHANNELS
    }

    fn build(&self, app: &mut Extensions) {
        app.command(
            for_owners("channel", "cmd-channel").aliases(&["kanal"]).usage("usage-channel"),
            |call: Call| async move {
                channels::channel(&call.scene, call.message.from.as_ref(), &call.me, &call.args).await
            },
        );
    }
}
