## Basis — deutsche Texte (Standardsprache).
## Jede Nachricht braucht ihr Gegenstück in ../en/basis.ftl; ein Test prüft das.

welcome =
    Willkommen bei { $org }!
    Wähle unten die Themen, zu denen du Neuigkeiten bekommen möchtest. Du kannst das jederzeit mit /topics ändern.

privacy-short =
    Datenschutz: Gespeichert werden nur die Nummer dieses Chats, deine Sprache, der Zeitpunkt deiner Zustimmung und deine Themen – keine Namen, keine Nachrichten. Was du dem Bot schreibst (außer Befehlen), lesen – wo eingerichtet – die Organisator*innen in ihrer Telegram-Gruppe; gespeichert wird davon nur, welche Nachricht wohin ging. Mit /privacy siehst du alles, mit /stop löschst du alles.

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
    • Themen: { $topics }{ $region }
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
group-only = Das geht nur in einer Gruppe.
private-only = Das geht nur im privaten Chat mit mir.
organizers-only = Das dürfen nur Organisator*innen.
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
channel-usage =
    So verknüpfst du einen Kanal mit einem Thema: /channel <Thema> <@kanal oder Chat-ID> [Themen-ID im Forum]
    Entfernen: /channel remove <Thema> <@kanal oder Chat-ID> [Themen-ID]
    /channel ohne Angaben zeigt alle Verknüpfungen.
channel-none = Noch ist kein Kanal verknüpft. So geht es: /channel <Thema> <@kanal>
channel-list =
    Verknüpfte Kanäle – Beiträge zu einem Thema erscheinen dort zuerst:
    { $links }
channel-not-found = Diesen Kanal finde ich nicht. Füge mich dort als Admin hinzu und prüfe den Namen oder die ID.
channel-not-admin = Ich darf in „{ $channel }“ nicht posten. Mach mich dort zum Admin mit dem Recht, Beiträge zu veröffentlichen.
channel-linked = Verknüpft: Beiträge zu { $topic } erscheinen ab jetzt zuerst in „{ $channel }“.
channel-already-linked = „{ $channel }“ ist schon mit { $topic } verknüpft.
channel-unlinked = „{ $channel }“ bekommt keine Beiträge zu { $topic } mehr.
channel-not-linked = „{ $channel }“ war nicht mit { $topic } verknüpft.
post-channels-note = Dazu { $channels } verknüpfte Kanäle, die den Beitrag zuerst bekommen.
event-invitation =
    📣 { $title }
    🕒 { $when }
    📍 { $place }{ $note }

    Bist du dabei?
event-invitation-cancelled =
    ❌ ABGESAGT: { $title }
    🕒 { $when }
    📍 { $place }
event-reminder =
    ⏰ Erinnerung: { $title }
    🕒 { $when }
    📍 { $place }
event-changed =
    ⚠️ Geändert: { $title }
    🕒 jetzt { $when }
    📍 { $place }
event-cancelled = ❌ Abgesagt: { $title } ({ $when }) findet nicht statt.
event-yes = ✅ Ich komme
event-maybe = 🤔 Vielleicht
event-no = ❌ Kann nicht
event-calendar = 📅 In den Kalender
event-map = 🗺 Karte
event-calendar-sent = Die Kalenderdatei ist unterwegs.
event-answer-yes = Schön, du bist dabei!
event-answer-maybe = Notiert: vielleicht.
event-answer-no = Schade – notiert.
event-answer-cancelled = Dieser Termin ist abgesagt.
event-answer-over = Dieser Termin ist schon vorbei.
event-preview-only = Das ist nur die Vorschau.
event-usage =
    So lädst du zu einem Termin ein: /event <Themen> <Zeit> | <Titel> | <Ort> [| <Hinweis>] [| ⏰ 24h, 1h]
    Zum Beispiel: /event strikes 27.11. 06:00 | Kundgebung vor Tor 3 | Werkstraße 1, Wolfsburg
    Ohne Angaben fragt /event Schritt für Schritt.
event-ask-title = Neuer Termin #{ $id }. Wie heißt er? (zum Beispiel „Kundgebung vor Tor 3“)
event-ask-when = Wann? Zum Beispiel „27.11. 06:00“, „27.11. 06:00-09:00“ oder „morgen 7:00“ (Zeitzone { $zone }).
event-ask-place = Wo? Schreib den Ort, gern mit Kartenpunkt („Werkstraße 1, Wolfsburg (52.4227, 10.7865)“), oder teile einen Standort.
event-ask-topics =
    Für welche Themen? Schreib sie mit Komma getrennt:
    { $topics }
event-ask-topics-again = Bitte nenne mindestens ein Thema, zum Beispiel: strikes
event-ask-note = Ein Hinweis dazu (zum Beispiel „Warnwesten mitbringen“)? Sonst schreib „-“.
event-confirm =
    ☝️ So sieht die Einladung zu Termin #{ $id } aus.
    Themen: { $topics }
    Empfänger: { $recipients } Chats
    Erinnerungen: { $reminders } vorher (an alle, die kommen oder vielleicht kommen)
    Zeitzone: { $zone }
    Erst mit „Senden“ geht sie raus.
event-no-reminders = keine
event-end-before-start = Das Ende liegt vor dem Beginn.
event-empty-title = Der Termin braucht einen Titel.
event-title-too-long = Der Titel ist zu lang; erlaubt sind höchstens { $max } Zeichen.
event-empty-place = Der Termin braucht einen Ort.
event-place-too-long = Der Ort ist zu lang; erlaubt sind höchstens { $max } Zeichen.
event-note-too-long = Der Hinweis ist zu lang; erlaubt sind höchstens { $max } Zeichen.
event-bad-point = Diesen Kartenpunkt verstehe ich nicht. So geht es: (52.4227, 10.7865) oder geo:52.4227,10.7865
event-bad-reminders = Erinnerungen schreibst du so: 24h, 1h, 30m oder 2d (höchstens fünf, höchstens 14 Tage vorher), oder „keine“.
events-none = Es stehen keine Termine an.
events-list =
    Anstehende Termine ({ $zone }):

    { $events }
events-line =
    #{ $id } · { $when } · { $title }
    📍 { $place }
    ✅ { $yes } · 🤔 { $maybe } · ❌ { $no } · erreicht: { $reached }
events-cancelled-mark = ❌ ABGESAGT ·{" "}
event-change-usage =
    So änderst du einen Termin: /eventchange <Nummer> time <neue Zeit> oder /eventchange <Nummer> place <neuer Ort>
    Absagen: /eventcancel <Nummer>
event-unknown = Einen Termin #{ $id } gibt es nicht.
event-already-cancelled = Termin #{ $id } ist schon abgesagt.
event-not-sent = Termin #{ $id } wurde noch nicht verschickt.
guided-album-hint = Ein Album kann ich hier nicht annehmen. Schick es mir einzeln und antworte dann auf eines seiner Bilder mit /post <Themen> – so geht das ganze Album raus.

flood-throttled = ⏳ Du schickst Nachrichten schneller, als ich sie annehmen kann. Ich übergehe sie eine kurze Weile – warte bitte eine Minute und mach dann in ruhigerem Tempo weiter.
privacy-controller = Verantwortlich für deine Daten: { $org }.
privacy-controller-contact = Verantwortlich für deine Daten: { $org }, Kontakt: { $contact }.
privacy-version-seen = Gesehener Datenschutzhinweis: Version { $version }. Mit /mydata bekommst du alles als Datei.
privacy-changed = 🔏 Unser Datenschutzhinweis hat sich geändert (Version { $version }). Hier ist er:
mydata-caption = Alles, was über diesen Chat gespeichert ist (JSON). Mit /stop löschst du alles.
cmd-mydata = Alle deine Daten als Datei
mydata-admins-only = Die Daten dieser Gruppe bekommen nur ihre Admins.

## /help und das Befehlsmenü, aus den Befehlsdeklarationen
## (handlers/src/registry.rs): eine Beschreibung je Befehl und die
## Argumente, die /help nennt.
help-intro = So funktioniert es:
help-organizers = Für Organisator*innen:
command-usage = So geht es: { $usage }
help-owners = Für Verantwortliche:
cmd-post = An die Mitglieder von Themen senden
cmd-followup = Ein Nachtrag zu einem früheren Beitrag
cmd-edit = Einen Beitrag in allen Chats korrigieren
cmd-retract = Einen Beitrag aus allen Chats zurückziehen
cmd-scheduled = Beiträge, die auf ihre Zeit warten
cmd-event = Eine Versammlung einberufen
cmd-events = Kommende Versammlungen und ihre Antworten
cmd-eventchange = Zeit oder Ort einer Versammlung ändern
cmd-eventcancel = Eine Versammlung absagen
cmd-stats = Abonnent*innen, Wachstum, letzte Beiträge
cmd-link = Der Link eines Themas für Flyer und Webseiten
cmd-qr = Der Link als QR-Code für den Druck
cmd-invite = Eine*n Organisator*in einladen
cmd-organizers = Verantwortliche und Organisator*innen
cmd-revoke = Organisationsrechte entziehen
cmd-audit = Die letzten Aktionen der Organisator*innen
cmd-channel = Einen Kanal oder ein Forenthema mit einem Thema verbinden
usage-topic = <Thema>
usage-post = <Themen> <Text>
usage-followup = <Nummer> <Text>
usage-edit = <Nummer> <neuer Text>
usage-id = <Nummer>
usage-event = <Themen> <Wann> | <Titel> | <Ort>
usage-eventchange = <Nummer> zeit|ort <neuer Wert>
usage-link = <Thema> [Kampagne]
usage-invite = [Themen]
usage-revoke = <ID>
usage-channel = [remove] <Thema> <@Kanal | ID> [Thread]

## Die Inbox der Organisator*innen: Mitglieder schreiben dem Bot, das Team
## antwortet aus einer Telegram-Gruppe (handlers/src/inbox/).
cmd-inbox = Diese Gruppe zur Inbox machen: Hier kommt an, was Mitglieder dem Bot schreiben
usage-inbox = [off]
cmd-mute = In der Inbox: ein Mitglied stummschalten (im Thema oder als Antwort)
usage-mute = [off]
cmd-close = In der Inbox: ein Gespräch schließen (im Thema oder als Antwort)
inbox-notice = 📨 Deine Nachricht geht an das Team von { $org }. Lesen können sie dessen Organisator*innen in ihrer Telegram-Gruppe; wer antwortet, schreibt dir hier. Gespeichert wird davon nur, welche Nachricht wohin ging, nie ihr Text – /privacy zeigt es, /stop löscht es.
inbox-label = Mitglied #{ $case } · { $topics }
inbox-label-bare = Mitglied #{ $case }
inbox-header =
    📨 { $label }
    Wer als Organisator*in auf eine Nachricht dieses Gesprächs antwortet, schreibt dem Mitglied. Als Antwort darauf: /close schließt das Gespräch, /mute schaltet das Mitglied stumm.
inbox-signed = ✍️ { $name } ({ $org }):
inbox-unreachable = ⚠️ { $label } ist nicht mehr erreichbar (hat den Bot blockiert oder sich abgemeldet): Die Antwort kam nicht an.
inbox-set-forum =
    📥 Diese Gruppe ist jetzt die Inbox von { $org }. Was Mitglieder dem Bot schreiben, kommt hier an – jedes Gespräch in einem eigenen Thema, benannt nach Fallnummer und den Themen des Mitglieds, ohne Namen.
    Was Organisator*innen im Thema eines Mitglieds schreiben, geht an das Mitglied. Was andere hier schreiben, geht nirgendwohin.
    /close im Thema schließt das Gespräch, /mute schaltet das Mitglied stumm, /inbox off beendet die Inbox.
inbox-set-replies =
    📥 Diese Gruppe ist jetzt die Inbox von { $org }. Was Mitglieder dem Bot schreiben, kommt hier an – jedes Gespräch beginnt mit einer Nachricht mit Fallnummer und den Themen des Mitglieds, ohne Namen, und die Nachrichten des Mitglieds antworten darauf.
    Wer als Organisator*in auf eine davon antwortet, schreibt dem Mitglied. Was andere hier schreiben, geht nirgendwohin.
    Als Antwort: /close schließt das Gespräch, /mute schaltet das Mitglied stumm. /inbox off beendet die Inbox.
inbox-answers-team = Antworten kommen beim Mitglied ohne Namen an, vom Team.
inbox-answers-signed = Antworten kommen beim Mitglied mit dem Vornamen der Person an, die antwortet.
inbox-moved = Die bisherige Inbox (Gruppe { $chat }) ist damit beendet.
inbox-needs-admin = Dafür muss ich in dieser Gruppe Admin sein. Macht mich zum Admin und schickt /inbox noch einmal.
inbox-needs-topics = In einer Gruppe mit Themen muss ich Themen verwalten dürfen (Admin-Recht „Themen verwalten“). Gebt mir das Recht und schickt /inbox noch einmal.
inbox-check-failed = Telegram konnte mir gerade nicht sagen, ob ich hier Admin bin. Bitte versucht es gleich noch einmal.
inbox-ended = 📭 Die Inbox ist beendet: Nachrichten an den Bot kommen nicht mehr hierher. Nicht mehr weitergegeben: { $dropped } wartende Nachrichten. Die Kopien in dieser Gruppe bleiben; löschen könnt ihr sie hier in der Gruppe.
inbox-not-inbox = Diese Gruppe ist nicht die Inbox.
inbox-no-case = Das geht in einem Gespräch: im Thema eines Mitglieds oder als Antwort auf eine seiner Nachrichten.
inbox-out-of-scope = Dieses Mitglied folgt keinem deiner Themen; sein Gespräch führen andere.
inbox-muted = 🔇 { $label } ist stummgeschaltet: Seine Nachrichten kommen nicht mehr an, und es erfährt davon nichts. /mute off hebt das auf.
inbox-already-muted = { $label } ist schon stummgeschaltet.
inbox-unmuted = 🔊 { $label }: Seine Nachrichten kommen wieder an.
inbox-not-muted = { $label } ist nicht stummgeschaltet.
inbox-closed = 🔒 Das Gespräch mit { $label } ist geschlossen. Schreibt das Mitglied wieder, öffnet es sich neu.
inbox-already-closed = Das Gespräch mit { $label } ist schon geschlossen.
inbox-data = • Gespräch mit den Organisator*innen: Fall #{ $case }, seit { $since }; { $messages } Nachrichten sind einander zugeordnet (nur Nummern, keine Texte). Die Kopien in der Inbox-Gruppe bleiben dort, als Unterlagen von { $org }.
stats-inbox = Inbox: { $open } offene Gespräche ({ $muted } stummgeschaltet); erste Antwort im Median nach { $median } ({ $answered } beantwortet)
stats-inbox-unanswered = Inbox: { $open } offene Gespräche ({ $muted } stummgeschaltet); noch keins beantwortet
stats-inbox-off = Inbox: nicht eingerichtet (/inbox in einer Gruppe)
wait-hours = { $hours } Std. { $minutes } min
wait-days = { $days } Tagen

## Regionen: wo Mitglieder sind, von ihnen selbst gewählt. Nur zu sehen, wo
## Regionen eingerichtet sind.
cmd-region = Deine Region, für Neuigkeiten aus deiner Gegend
usage-region = [Region | keine]
region-prompt = 📍 Wo bist du? Wähle deine Region – dann erreichen dich Neuigkeiten für deine Gegend. Mit /region kannst du sie jederzeit ändern.
region-prompt-current = 📍 Deine Region: { $region }. Wähle eine andere oder „Keine Region“:
region-ask = 📍 Noch eine Frage: Wo bist du? Wähle deine Region, damit dich Neuigkeiten für deine Gegend erreichen. Ich frage nur dieses eine Mal; mit /region änderst du sie jederzeit.
region-open = { $region } ›
region-back = ‹ Zurück
region-not-now = Jetzt nicht
region-button-none = ✖️ Keine Region
region-set = 📍 Deine Region ist jetzt { $region }. Mit /region änderst du sie.
region-already = 📍 Deine Region ist bereits { $region }.
region-cleared = ✖️ Du hast keine Region mehr. Beiträge für einzelne Regionen erreichen dich nicht mehr; mit /region wählst du wieder eine.
region-none-yet = Du hast keine Region gewählt. /region zeigt sie dir.
region-skipped = Gut, vorerst keine Region. Mit /region wählst du jederzeit eine.
region-gone = Diese Region gibt es (nicht mehr). Sende /region für eine neue Auswahl.
region-unknown =
    Die Region „{ $input }“ kenne ich nicht. Verfügbar sind:
    { $regions }
region-none-label = noch keine – mit /region wählst du eine
deep-link-region = 📍 Deine Region: { $region }.
mytopics-region = 📍 Deine Region: { $region }
privacy-region = • Region: { $region }
privacy-short-regions =
    Datenschutz: Gespeichert werden nur die Nummer dieses Chats, deine Sprache, der Zeitpunkt deiner Zustimmung, deine Themen und, wenn du eine wählst, deine Region – keine Namen, keine Nachrichten. Was du dem Bot schreibst (außer Befehlen), lesen – wo eingerichtet – die Organisator*innen in ihrer Telegram-Gruppe; gespeichert wird davon nur, welche Nachricht wohin ging. Mit /privacy siehst du alles, mit /stop löschst du alles.
## Organisator*innen und Regionen.
post-unknown-region =
    Eine Region „{ $input }“ gibt es nicht. Verfügbar sind:
    { $regions }
post-regions-required = Du darfst nur an Mitglieder in deinen Regionen ({ $regions }) senden: nenne sie nach den Themen, z. B. /post strikes @{ $example } …
post-regions-out-of-scope = Du darfst nur an Mitglieder in diesen Regionen senden: { $regions }
post-confirm-everywhere = Regionen: überall (auch Mitglieder ohne Region)
post-confirm-regions =
    Regionen: { $regions } (und die Regionen darunter)
    Empfänger je Region: { $counts }
post-confirm-nobody = dort noch niemand
scope-regions = { $topics }, nur in { $regions }
guided-regions = Entwurf #{ $id } zu { $topics }: Wer soll ihn bekommen? Wähle Regionen (jede schließt die Regionen darunter ein) oder „Überall“, dann tippe auf „Weiter“.
guided-regions-scoped = Entwurf #{ $id } zu { $topics }: Wähle mindestens eine deiner Regionen (jede schließt die Regionen darunter ein), dann tippe auf „Weiter“.
guided-chosen-regions = Regionen: { $regions }
guided-everywhere = Überall
button-everywhere = 🌍 Überall
event-ask-topics-regions =
    Für welche Themen? Schreib sie mit Komma getrennt, und nur für Mitglieder in einigen Regionen die Regionen mit @ (zum Beispiel: strikes @wolfsburg,kassel):
    { $topics }
link-one-region = Ein Link ordnet Mitglieder höchstens einer Region zu: /link <Thema> @<Region> [Kampagne].
link-region = Wer noch keine Region hat, ist damit außerdem in { $region }.
stats-regions = Abonnent*innen je Region (jede mit den Regionen darunter):
stats-region-line = { $region }: { $subscribers }
stats-region-none = Ohne Region
stats-region-chart-title = Abonnent*innen je Region, heute
stats-few = < { $smallest }
