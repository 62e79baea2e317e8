## Basis — deutsche Texte (Standardsprache).
## Jede Nachricht braucht ihr Gegenstück in ../en/basis.ftl; ein Test prüft das.

welcome =
    Willkommen bei { $org }!
    Wähle unten die Themen, zu denen du Neuigkeiten bekommen möchtest. Du kannst das jederzeit mit /topics ändern.

privacy-short =
    Datenschutz: Gespeichert werden nur die Nummer dieses Chats, deine Sprache, der Zeitpunkt deiner Zustimmung und deine Themen – keine Namen, keine Nachrichten. Mit /privacy siehst du alles, mit /stop löschst du alles.

topics-prompt = Deine Themen – tippe auf ein Thema, um es an- oder abzuschalten:
topic-on-toast = ✅ { $topic }: an
topic-off-toast = ☑️ { $topic }: aus
deep-link-subscribed = ✅ Du bekommst jetzt Neuigkeiten zu { $topic }.
subscribed = ✅ Du bekommst jetzt Neuigkeiten zu { $topic }.
already-subscribed = Du folgst { $topic } bereits.
unsubscribed = ☑️ Du bekommst keine Neuigkeiten mehr zu { $topic }.
not-subscribed = Du folgst { $topic } gar nicht.
topic-unknown =
    Das Thema „{ $input }“ kenne ich nicht. Verfügbar sind:
    { $topics }
topic-missing =
    Bitte nenne ein Thema, zum Beispiel: { $example }
    Verfügbar sind:
    { $topics }
mytopics-list =
    Du folgst diesen Themen:
    { $topics }
mytopics-none = Du folgst noch keinem Thema. Wähle welche mit /topics.

privacy-stored =
    Über diesen Chat ist gespeichert:
    • Chat-Nummer: { $chat }
    • Art des Chats: { $kind }
    • Sprache: { $language }
    • Zustimmung seit: { $since }
    • Themen: { $topics }
    Sonst nichts: keine Namen, keine Benutzernamen, keine Telefonnummern, keine Nachrichten.
    Mit /stop werden alle diese Daten sofort gelöscht.
privacy-nothing =
    Über diesen Chat ist nichts gespeichert. Erst wenn du ein Thema wählst, speichern wir die Chat-Nummer, deine Sprache, den Zeitpunkt und deine Themen.
privacy-no-topics = keine

stop-confirm = Wirklich abmelden? Alle Themen werden abbestellt und alle Daten dieses Chats gelöscht.
stop-yes = Ja, alles löschen
stop-no = Nein, abbrechen
stop-done = Erledigt: Du bist abgemeldet, und alle Daten dieses Chats sind gelöscht. Mit /start kannst du jederzeit neu beginnen.
stop-cancelled = Abgebrochen – es bleibt alles, wie es war.
stop-nothing = Über diesen Chat ist nichts gespeichert; es gibt nichts zu löschen.

language-prompt = Wähle deine Sprache:
language-set = Die Sprache ist jetzt Deutsch.
language-unknown = Diese Sprache gibt es nicht. Verfügbar: de (Deutsch), en (English).
language-name = Deutsch

help =
    So funktioniert es:
    /topics – Themen wählen
    /subscribe <Thema> – ein Thema abonnieren
    /unsubscribe <Thema> – ein Thema abbestellen
    /mytopics – deine Themen
    /language – Sprache wählen
    /privacy – was über dich gespeichert ist
    /stop – abmelden und alle Daten löschen
    /help – diese Hilfe

unknown-command = Diesen Befehl kenne ich nicht. Mit /help siehst du, was geht.
not-a-command = Ich verstehe nur Befehle. Mit /help siehst du, was geht, mit /topics wählst du deine Themen.
too-many-arguments = Bitte nur ein Thema auf einmal, zum Beispiel: { $example }
group-admins-only = Nur die Admins dieser Gruppe können ihre Themen ändern.
group-check-failed = Ich konnte gerade nicht prüfen, ob du Admin dieser Gruppe bist. Bitte versuche es gleich noch einmal.
button-stale = Dieser Knopf ist nicht mehr gültig. Mit /topics bekommst du eine neue Auswahl.
error-generic = Da ist etwas schiefgegangen. Bitte versuche es gleich noch einmal.

cmd-start = Begrüßung und Themenwahl
cmd-topics = Themen wählen
cmd-subscribe = Ein Thema abonnieren
cmd-unsubscribe = Ein Thema abbestellen
cmd-mytopics = Deine Themen
cmd-privacy = Was über dich gespeichert ist
cmd-stop = Abmelden und alle Daten löschen
cmd-language = Sprache wählen
cmd-help = Hilfe

kind-private = privater Chat
kind-group = Gruppe
kind-supergroup = Supergruppe
kind-channel = Kanal

broadcast-queued = 📣 Sendung #{ $id } an { $total } Chats wird gestartet …
broadcast-progress =
    📣 Sendung #{ $id } läuft
    { $bar } { $percent } %
    Zugestellt: { $sent } · Blockiert: { $blocked } · Fehlgeschlagen: { $failed } · Offen: { $remaining }
    Noch etwa { $eta }
broadcast-report =
    ✅ Sendung #{ $id } abgeschlossen
    Zugestellt: { $sent } von { $total }
    Blockiert oder ausgetreten: { $blocked }
    Fehlgeschlagen: { $failed }{ $reasons }
eta-seconds = { $n } s
eta-minutes = { $n } min
eta-unknown = (wird berechnet)

post-usage = So postest du: /post <Themen> <Text>, zum Beispiel: /post strikes,energy Warnstreik morgen ab 6 Uhr!
post-not-allowed = Posten dürfen nur Organisatorinnen und Organisatoren.
post-unknown-topic =
    Das Thema „{ $input }“ gibt es nicht. Verfügbar sind:
    { $topics }
post-too-long = Der Text ist { $length } Zeichen lang; erlaubt sind höchstens 4096.
post-confirm =
    ☝️ So sieht Entwurf #{ $id } aus.
    Themen: { $topics }
    Empfänger: { $recipients } Chats
    Erst mit „Senden“ geht er raus.
button-send = Senden
button-urgent = Dringend senden
button-cancel = Verwerfen
post-cancelled = Verworfen – nichts wurde gesendet.
post-already-handled = Dieser Entwurf wurde schon gesendet oder verworfen.
post-done = Erledigt.
