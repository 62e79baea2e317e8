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

organizers-private-only = Befehle für Organisator*innen gehen nur im privaten Chat mit mir.
owners-only = Das dürfen nur die Verantwortlichen dieses Bots (BASIS_OWNERS).
post-out-of-scope = Du darfst nur zu diesen Themen posten: { $topics }
scope-all = alle Themen
invite-created =
    Einladung für Organisator*innen ({ $scope }):
    { $link }
    Der Link gilt { $hours } Stunden und nur ein einziges Mal. Gib ihn nur an die Person weiter, die ihn bekommen soll.
invite-private-only = Einladungen lassen sich nur im privaten Chat mit mir annehmen.
invite-owner = Du bist schon Verantwortliche*r dieses Bots und brauchst keine Einladung.
invite-accepted = Willkommen im Team! Du bist jetzt Organisator*in für: { $scope }. /post schreibt eine Sendung.
invite-used = Diese Einladung wurde schon benutzt. Bitte um eine neue.
invite-expired = Diese Einladung ist abgelaufen. Bitte um eine neue.
invite-unknown = Diese Einladung kenne ich nicht. Prüfe den Link oder bitte um eine neue.
organizers-none = (noch niemand)
organizers-list =
    Verantwortliche (aus der Konfiguration):
    { $owners }
    Organisator*innen:
    { $organizers }
    Rechte entziehen: /revoke <ID>
revoke-usage = So entziehst du Rechte: /revoke <ID>, die ID steht in /organizers.
revoke-owner = Verantwortliche kommen aus der Konfiguration (BASIS_OWNERS) und lassen sich hier nicht entfernen.
revoked = { $id } ist keine Organisator*in mehr.
revoke-unknown = { $id } hat keine Organisator*innen-Rechte.
audit-empty = Das Protokoll ist noch leer.
audit-list =
    Letzte Aktionen (neueste zuerst):
    { $entries }

post-unsupported = Diese Art Nachricht kann ich nicht weitergeben. Möglich sind Text, Foto, Video, Sprachnachricht, Audio, Dokument, GIF, Standort, Ort, Umfrage, Videonachricht, Sticker und Kontakt.
post-caption-too-long = Die Bildunterschrift ist { $length } Zeichen lang; erlaubt sind höchstens 1024.
post-follow-up-note = Nachtrag zu Sendung #{ $id }: Jede Kopie antwortet auf die eigene Kopie von #{ $id }.
post-not-yours = Das ist nicht dein Entwurf.
post-needs-approval = Hier gilt das Vier-Augen-Prinzip: Reiche den Entwurf zur Freigabe ein.
approve-own-draft = Eigene Entwürfe muss jemand anderes freigeben.
button-schedule = Planen
button-submit = Zur Freigabe einreichen
button-approve = Freigeben
button-reject = Ablehnen
button-next = Weiter ➡️
button-cancel-draft = #{ $id } verwerfen
review-submitted = Entwurf #{ $id } wartet auf Freigabe; { $asked } Organisator*innen wurden gefragt.
review-request =
    👀 { $name } bittet um Freigabe von Entwurf #{ $id } (oben die Vorschau).
    Themen: { $topics }
    Empfänger: { $recipients } Chats
review-approved = Entwurf #{ $id } ist freigegeben und geht als Sendung #{ $broadcast } raus.
review-rejected = Entwurf #{ $id } ist abgelehnt – nichts wurde gesendet.
review-rejected-notice = { $name } hat deinen Entwurf #{ $id } abgelehnt – nichts wurde gesendet.
schedule-ask =
    Wann soll Entwurf #{ $id } rausgehen? Schreib zum Beispiel „25.11. 18:00“, „18:00“, „morgen 7:00“ oder „2026-11-26T07:00“ (Zeitzone { $zone }).
scheduled-for = 🕒 Entwurf #{ $id } geht am { $when } raus ({ $zone }). /scheduled zeigt alle geplanten Sendungen.
scheduled-none = Es sind keine Sendungen geplant.
scheduled-media = (Medien)
scheduled-list =
    Geplante Sendungen ({ $zone }):
    { $drafts }
when-unreadable = Diese Zeit verstehe ich nicht. Beispiele: „25.11. 18:00“, „18:00“, „morgen 7:00“, „2026-11-26T07:00“.
when-past = Diese Zeit ist schon vorbei. Bitte nenne eine Zeit in der Zukunft.
when-nonexistent = Diese Uhrzeit gibt es an dem Tag nicht (Umstellung auf Sommerzeit). Bitte wähle eine andere.
when-too-far = Das ist mehr als ein Jahr entfernt. Bitte plane höchstens ein Jahr im Voraus.
guided-topics = Neuer Entwurf #{ $id }: Wähle die Themen und tippe dann auf „Weiter“.
guided-chosen = Gewählt: { $topics }
guided-no-topic = Bitte wähle mindestens ein Thema.
guided-content = Entwurf #{ $id } für { $topics }: Schick mir jetzt die Nachricht – Text, Foto, Video, Umfrage, Standort …
followup-usage = So schreibst du einen Nachtrag: /followup <Sendungsnummer> <Text>, oder /followup <Sendungsnummer> als Antwort auf eine Nachricht.
broadcast-unknown = Eine Sendung #{ $id } gibt es nicht.
edit-usage = So korrigierst du: /edit <Sendungsnummer> <neuer Text>, oder /edit <neuer Text> als Antwort auf den Bericht der Sendung.
retract-usage = So ziehst du eine Sendung zurück: /retract <Sendungsnummer>, oder /retract als Antwort auf ihren Bericht.
edit-not-text = Sendung #{ $id } ist kein Text; nur Texte lassen sich nachträglich ändern.
retract-too-old = Sendung #{ $id } ist älter als 48 Stunden; so alte Nachrichten lässt Telegram Bots nicht mehr löschen.
edit-queued = ✏️ Korrektur #{ $id } von Sendung #{ $of }: { $total } Kopien werden geändert …
retract-queued = 🗑 Rückzug #{ $id } von Sendung #{ $of }: { $total } Kopien werden gelöscht …
edit-report =
    ✅ Korrektur #{ $id } von Sendung #{ $of } abgeschlossen
    Geändert: { $sent } von { $total }
    Nicht änderbar: { $failed }{ $reasons }
retract-report =
    ✅ Rückzug #{ $id } von Sendung #{ $of } abgeschlossen
    Gelöscht: { $sent } von { $total }
    Nicht entfernbar: { $failed }{ $reasons }

# Statistik und Links: /stats, /link, /qr (auch `basis stats`)
stats-not-allowed = Nur Organisator*innen sehen Statistiken und erstellen Links.
stats-title = 📊 Statistik, { $when }
stats-scope = Nur deine Themen: { $topics }
stats-topics = Abonnent*innen je Thema: jetzt (neu / weg in 7 Tagen · in 30 Tagen)
stats-topic-line = { $topic }: { $subscribers } (7 Tage: +{ $new7 } / −{ $lost7 } · 30 Tage: +{ $new30 } / −{ $lost30 })
stats-no-topics = (keine Themen)
stats-links = Beitritte über Links (seit Beginn):
stats-link-line = { $topic } · { $campaign }: { $joins }
stats-link-plain = Link ohne Kampagne
stats-links-none = Über Links ist noch niemand beigetreten.
stats-more = … und { $count } weitere
stats-broadcasts = Letzte Sendungen:
stats-broadcast-line = #{ $id } · { $when } · { $topics }: zugestellt { $sent } von { $total }, blockiert { $blocked }, fehlgeschlagen { $failed }
stats-broadcasts-none = Noch keine Sendungen.
stats-chart-title = Abonnent*innen je Thema, letzte { $days } Tage
stats-chart-failed = Das Diagramm ließ sich diesmal nicht zeichnen; die Zahlen oben sind vollständig.
link-usage = So bekommst du den Link eines Themas: /link <Thema> [Kampagne], zum Beispiel /link { $example } flyer-mai. Mit /qr statt /link kommt der Link als QR-Code zum Drucken.
link-out-of-scope = Du kannst nur Links zu deinen Themen erstellen: { $topics }
link-campaign-invalid = „{ $input }“ geht nicht als Kampagnenname: erlaubt sind nur a–z, 0–9, _ und - (keine Leerzeichen, keine Umlaute), höchstens { $max } Zeichen, zum Beispiel flyer-mai.
link-campaign-too-long = Der Kampagnenname ist { $length } Zeichen lang; in den Link passen höchstens { $max }.
link-created =
    Link zu { $topic }:
    { $link }
    Wer ihn öffnet und auf „Starten“ tippt, folgt { $topic }. /stats zählt die Beitritte darüber.
link-created-campaign =
    Link zu { $topic }, Kampagne „{ $campaign }“:
    { $link }
    Wer ihn öffnet und auf „Starten“ tippt, folgt { $topic }. /stats zählt die Beitritte über diesen Link eigens.
qr-failed = Der QR-Code ließ sich nicht erstellen. Bitte versuch es noch einmal oder nimm /link.
organizer-input-hint = Um das an Mitglieder zu schicken, antworte darauf mit /post <Themen>, zum Beispiel /post strikes. Für einen Nachtrag: /followup <Sendungsnummer>.
