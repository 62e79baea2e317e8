//! Statistics and links for organizers: `/stats`, `/link`, `/qr`.
//! (Placeholder while being written: every command answers that it is for
//! organizers only.)

use teloxide::types::{Me, User};

use crate::member::Scene;
use crate::{HandlerResult, t};

pub(crate) async fn stats(scene: &Scene, _from: Option<&User>) -> HandlerResult {
    scene.say(t!(scene.ctx.texts, scene.locale, "post-not-allowed")).await
}

pub(crate) async fn link(scene: &Scene, _from: Option<&User>, _me: &Me, _args: &str) -> HandlerResult {
    scene.say(t!(scene.ctx.texts, scene.locale, "post-not-allowed")).await
}

pub(crate) async fn qr(scene: &Scene, _from: Option<&User>, _me: &Me, _args: &str) -> HandlerResult {
    scene.say(t!(scene.ctx.texts, scene.locale, "post-not-allowed")).await
}
