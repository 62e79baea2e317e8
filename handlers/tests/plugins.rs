//! The extension API's checks: a set of plugins that does not fit together
//! is refused before the bot starts, with the reason; one that fits adds
//! its commands to the menu and `/help` in every language.

use std::sync::Arc;

use basis_handlers::registry::Audience;
use basis_handlers::{
    Call, Declaration, DefaultPlugins, Extensions, Locale, Plugin, PluginError, PluginGroup, Registry, Texts,
};

/// A plugin made of a closure, for these tests.
struct Test(&'static str, fn(&mut Extensions));

impl Plugin for Test {
    fn name(&self) -> &'static str {
        self.0
    }
    fn build(&self, app: &mut Extensions) {
        (self.1)(app)
    }
}

async fn nothing(_: Call) -> basis_handlers::HandlerResult {
    Ok(())
}

fn with(plugin: Test) -> Result<Registry, PluginError> {
    let mut plugins = DefaultPlugins::default().into_plugins();
    plugins.push(Arc::new(plugin));
    Registry::build(&plugins)
}

const DE: &str = "tally-about = Zählt mit\n";
const EN: &str = "tally-about = Counts along\n";

#[test]
fn a_plugins_command_joins_the_menu_and_help_in_every_language() {
    let registry = with(Test("tally", |app| {
        app.texts(Locale::De, DE).texts(Locale::En, EN).command(Declaration::new("tally", "tally-about"), nothing);
    }))
    .expect("fits");
    let texts = Texts::load_with(&registry.texts);
    for (locale, about) in [(Locale::De, "Zählt mit"), (Locale::En, "Counts along")] {
        let menu = registry.commands.menu(&texts, locale);
        let last = menu.last().expect("a menu");
        assert_eq!((last.command.as_str(), last.description.as_str()), ("tally", about));
        let help = registry.commands.help(&texts, locale, Audience::Member);
        assert!(help.contains(&format!("\n/tally – {about}")), "{help}");
    }
    assert_eq!(registry.plugins.last(), Some(&"tally"));
}

#[test]
fn plugins_that_do_not_fit_are_refused_with_the_reason() {
    let cases: Vec<(Test, PluginError)> = vec![
        (
            Test("help_again", |app| {
                app.command(Declaration::new("hilfe", "cmd-help"), nothing);
            }),
            PluginError::DuplicateCommand { plugin: "help_again".into(), command: "hilfe".into() },
        ),
        (
            Test("shouty", |app| {
                app.command(Declaration::new("Tally", "cmd-help"), nothing);
            }),
            PluginError::BadCommand { plugin: "shouty".into(), command: "Tally".into() },
        ),
        (
            Test("half", |app| {
                app.texts(Locale::De, DE);
            }),
            PluginError::MissingText { plugin: "half".into(), id: "tally-about".into(), locale: "en" },
        ),
        (
            Test("thief", |app| {
                app.texts(Locale::De, "welcome = Hallo\n").texts(Locale::En, "welcome = Hello\n");
            }),
            PluginError::DuplicateText { plugin: "thief".into(), id: "welcome".into() },
        ),
        (
            Test("topics_too", |app| {
                app.callbacks("t", |_| async { Ok(()) });
            }),
            PluginError::BadNamespace { plugin: "topics_too".into(), namespace: "t".into() },
        ),
        (Test("Bad-Name", |_| {}), PluginError::BadName("Bad-Name".into())),
        (Test("members", |_| {}), PluginError::DuplicateName("members".into())),
    ];
    for (plugin, expected) in cases {
        assert_eq!(with(plugin).err(), Some(expected));
    }
    let broken = with(Test("broken", |app| {
        app.texts(Locale::De, "tally = {").texts(Locale::En, "tally = x\n");
    }));
    assert!(matches!(broken, Err(PluginError::BadTexts { locale: "de", .. })), "{broken:?}");
}

#[test]
fn a_default_plugin_left_out_takes_its_commands_with_it() {
    let registry = Registry::build(&DefaultPlugins::default().without("assemblies").into_plugins()).unwrap();
    assert!(registry.commands.find("event").is_none() && registry.commands.find("termin").is_none());
    assert!(registry.commands.find("post").is_some());
    let texts = Texts::load();
    let help = registry.commands.help(&texts, Locale::En, Audience::Owner);
    assert!(!help.contains("/event") && help.contains("/post"), "{help}");
    assert!(!registry.plugins.contains(&"assemblies"));
    // Members cannot be left out: a bot without them answers no one.
    let registry = Registry::build(&DefaultPlugins::default().without("members").into_plugins()).unwrap();
    assert!(registry.commands.find("start").is_some());
}
