## Basis — English texts.
## Every message needs its counterpart in ../de/basis.ftl; a test checks it.

welcome =
    Welcome to { $org }!
    Choose below the topics you want updates on. You can change them any time with /topics.

privacy-short =
    Privacy: we store only this chat's number, your language, when you agreed and your topics — no names, no messages. What you write to the bot (other than commands) is read, where set up, by the organizers in their Telegram group; we keep only which message went where. /privacy shows all of it, /stop deletes all of it.

topics-prompt = Your topics — tap a topic to switch it on or off:
topic-on-toast = ✅ { $topic }: on
topic-off-toast = ☑️ { $topic }: off
deep-link-subscribed = ✅ You now get updates on { $topic }.
subscribed = ✅ You now get updates on { $topic }.
already-subscribed = You already follow { $topic }.
unsubscribed = ☑️ You no longer get updates on { $topic }.
not-subscribed = You don't follow { $topic }.
topic-unknown =
    I don't know the topic “{ $input }”. Available topics:
    { $topics }
topic-missing =
    Please name a topic, for example: { $example }
    Available topics:
    { $topics }
mytopics-list =
    You follow these topics:
    { $topics }
mytopics-none = You don't follow any topic yet. Choose some with /topics.

privacy-stored =
    This is what is stored about this chat:
    • Chat number: { $chat }
    • Kind of chat: { $kind }
    • Language: { $language }
    • Agreed since: { $since }
    • Topics: { $topics }{ $region }
    Nothing else: no names, no usernames, no phone numbers, no messages.
    /stop deletes all of this at once.
privacy-nothing =
    Nothing is stored about this chat. Only when you choose a topic do we store the chat number, your language, the time and your topics.
privacy-no-topics = none

stop-confirm = Really leave? All topics will be cancelled and all data of this chat deleted.
stop-yes = Yes, delete everything
stop-no = No, cancel
stop-done = Done: you have left, and all data of this chat is deleted. Send /start any time to begin again.
stop-cancelled = Cancelled — everything stays as it was.
stop-nothing = Nothing is stored about this chat; there is nothing to delete.

language-prompt = Choose your language:
language-set = The language is now English.
language-unknown = There is no such language. Available: de (Deutsch), en (English).
language-name = English


unknown-command = I don't know that command. /help shows what I can do.
not-a-command = I only understand commands. /help shows what I can do, /topics lets you choose your topics.
too-many-arguments = Please name one topic at a time, for example: { $example }
group-admins-only = Only this group's admins can change its topics.
group-check-failed = I couldn't check right now whether you are an admin of this group. Please try again in a moment.
button-stale = This button is no longer valid. Send /topics for a fresh choice.
error-generic = Something went wrong. Please try again in a moment.

cmd-start = Welcome and topic choice
cmd-topics = Choose topics
cmd-subscribe = Follow a topic
cmd-unsubscribe = Stop following a topic
cmd-mytopics = Your topics
cmd-privacy = What is stored about you
cmd-stop = Leave and delete all data
cmd-language = Choose language
cmd-help = Help

kind-private = private chat
kind-group = group
kind-supergroup = supergroup
kind-channel = channel

broadcast-queued = 📣 Broadcast #{ $id } to { $total } chats is starting …
broadcast-progress =
    📣 Broadcast #{ $id } in progress
    { $bar } { $percent } %
    Delivered: { $sent } · Blocked: { $blocked } · Failed: { $failed } · Remaining: { $remaining }
    About { $eta } left
broadcast-report =
    ✅ Broadcast #{ $id } finished
    Delivered: { $sent } of { $total }
    Blocked or left: { $blocked }
    Failed: { $failed }{ $reasons }
eta-seconds = { $n } s
eta-minutes = { $n } min
eta-unknown = (calculating)

post-usage = How to post: /post <topics> <text>, for example: /post strikes,energy Warning strike tomorrow from 6 am!
post-not-allowed = Only organizers may post.
post-unknown-topic =
    There is no topic “{ $input }”. Available topics:
    { $topics }
post-too-long = The text is { $length } characters long; at most 4096 are allowed.
post-confirm =
    ☝️ This is how draft #{ $id } looks.
    Topics: { $topics }
    Recipients: { $recipients } chats
    Nothing goes out before “Send”.
button-send = Send
button-urgent = Send as urgent
button-cancel = Discard
post-cancelled = Discarded — nothing was sent.
post-already-handled = This draft was sent or discarded already.
post-done = Done.

organizers-private-only = Organizer commands only work in the private chat with me.
group-only = That only works in a group.
private-only = That only works in the private chat with me.
organizers-only = Only organizers may do that.
owners-only = Only this bot's owners (BASIS_OWNERS) may do that.
post-out-of-scope = You may only post to these topics: { $topics }
scope-all = all topics
invite-created =
    Organizer invitation ({ $scope }):
    { $link }
    The link is valid for { $hours } hours and works only once. Give it only to the person it is meant for.
invite-private-only = Invitations can only be accepted in the private chat with me.
invite-owner = You are an owner of this bot already and need no invitation.
invite-accepted = Welcome to the team! You are now an organizer for: { $scope }. /post composes a broadcast.
invite-used = This invitation has been used already. Please ask for a new one.
invite-expired = This invitation has expired. Please ask for a new one.
invite-unknown = I don't know this invitation. Check the link or ask for a new one.
organizers-none = (nobody yet)
organizers-list =
    Owners (from the configuration):
    { $owners }
    Organizers:
    { $organizers }
    Take rights away: /revoke <id>
revoke-usage = To take rights away: /revoke <id>, the id is shown in /organizers.
revoke-owner = Owners come from the configuration (BASIS_OWNERS) and cannot be removed here.
revoked = { $id } is no longer an organizer.
revoke-unknown = { $id } holds no organizer rights.
audit-empty = The audit log is empty.
audit-list =
    Latest actions (newest first):
    { $entries }

post-unsupported = I can't pass this kind of message on. Possible are text, photo, video, voice message, audio, document, GIF, location, venue, poll, video message, sticker and contact.
post-caption-too-long = The caption is { $length } characters long; at most 1024 are allowed.
post-follow-up-note = Follow-up of broadcast #{ $id }: each copy replies to the member's own copy of #{ $id }.
post-not-yours = This is not your draft.
post-needs-approval = Posts need a second pair of eyes here: submit the draft for approval.
approve-own-draft = Someone else has to approve your own drafts.
button-schedule = Schedule
button-submit = Submit for approval
button-approve = Approve
button-reject = Reject
button-next = Next ➡️
button-cancel-draft = Discard #{ $id }
review-submitted = Draft #{ $id } is waiting for approval; { $asked } organizers were asked.
review-request =
    👀 { $name } asks you to approve draft #{ $id } (preview above).
    Topics: { $topics }
    Recipients: { $recipients } chats
review-approved = Draft #{ $id } is approved and goes out as broadcast #{ $broadcast }.
review-rejected = Draft #{ $id } is rejected — nothing was sent.
review-rejected-notice = { $name } rejected your draft #{ $id } — nothing was sent.
schedule-ask =
    When should draft #{ $id } go out? Write for example "25.11. 18:00", "18:00", "tomorrow 7:00" or "2026-11-26T07:00" (time zone { $zone }).
scheduled-for = 🕒 Draft #{ $id } goes out on { $when } ({ $zone }). /scheduled lists all scheduled posts.
scheduled-none = No posts are scheduled.
scheduled-media = (media)
scheduled-list =
    Scheduled posts ({ $zone }):
    { $drafts }
when-unreadable = I don't understand this time. Examples: "25.11. 18:00", "18:00", "tomorrow 7:00", "2026-11-26T07:00".
when-past = This time has passed already. Please give a time in the future.
when-nonexistent = This time does not exist on that day (clocks go forward). Please choose another.
when-too-far = That is more than a year away. Please schedule at most a year ahead.
guided-topics = New draft #{ $id }: choose the topics, then tap "Next".
guided-chosen = Chosen: { $topics }
guided-no-topic = Please choose at least one topic.
guided-content = Draft #{ $id } for { $topics }: now send me the message — text, photo, video, poll, location …
followup-usage = To post a follow-up: /followup <broadcast number> <text>, or /followup <broadcast number> as a reply to a message.
broadcast-unknown = There is no broadcast #{ $id }.
edit-usage = To correct: /edit <broadcast number> <new text>, or /edit <new text> as a reply to the broadcast's report.
retract-usage = To retract a broadcast: /retract <broadcast number>, or /retract as a reply to its report.
edit-not-text = Broadcast #{ $id } is not text; only texts can be changed afterwards.
retract-too-old = Broadcast #{ $id } is older than 48 hours; Telegram does not let bots delete messages that old.
edit-queued = ✏️ Correction #{ $id } of broadcast #{ $of }: { $total } copies are being changed …
retract-queued = 🗑 Retraction #{ $id } of broadcast #{ $of }: { $total } copies are being deleted …
edit-report =
    ✅ Correction #{ $id } of broadcast #{ $of } finished
    Changed: { $sent } of { $total }
    Could not change: { $failed }{ $reasons }
retract-report =
    ✅ Retraction #{ $id } of broadcast #{ $of } finished
    Deleted: { $sent } of { $total }
    Could not remove: { $failed }{ $reasons }

# Statistics and links: /stats, /link, /qr (also `basis stats`)
stats-not-allowed = Only organizers can see statistics and make links.
stats-title = 📊 Statistics, { $when }
stats-scope = Only your topics: { $topics }
stats-topics = Subscribers per topic: now (new / lost in 7 days · in 30 days)
stats-topic-line = { $topic }: { $subscribers } (7 days: +{ $new7 } / −{ $lost7 } · 30 days: +{ $new30 } / −{ $lost30 })
stats-no-topics = (no topics)
stats-links = Joins through links (since the start):
stats-link-line = { $topic } · { $campaign }: { $joins }
stats-link-plain = link without campaign
stats-links-none = No one has joined through a link yet.
stats-more = … and { $count } more
stats-broadcasts = Last broadcasts:
stats-broadcast-line = #{ $id } · { $when } · { $topics }: delivered { $sent } of { $total }, blocked { $blocked }, failed { $failed }
stats-broadcasts-none = No broadcasts yet.
stats-chart-title = Subscribers per topic, last { $days } days
stats-chart-failed = The chart could not be drawn this time; the figures above are complete.
link-usage = To get a topic's link: /link <topic> [campaign], for example /link { $example } flyer-may. /qr instead of /link gives the link as a QR code for print.
link-out-of-scope = You can only make links for your topics: { $topics }
link-campaign-invalid = “{ $input }” can't be a campaign name: use only a–z, 0–9, _ and - (no spaces, no umlauts), at most { $max } characters, for example flyer-may.
link-campaign-too-long = The campaign name is { $length } characters long; at most { $max } fit into the link.
link-created =
    Link to { $topic }:
    { $link }
    Whoever opens it and taps “Start” follows { $topic }. /stats counts the joins through it.
link-created-campaign =
    Link to { $topic }, campaign “{ $campaign }”:
    { $link }
    Whoever opens it and taps “Start” follows { $topic }. /stats counts the joins through this link separately.
qr-failed = The QR code could not be made. Please try again, or use /link.
organizer-input-hint = To send this to members, reply to it with /post <topics>, for example /post strikes. For a follow-up: /followup <broadcast number>.
channel-usage =
    To link a channel to a topic: /channel <topic> <@channel or chat id> [forum topic id]
    To remove: /channel remove <topic> <@channel or chat id> [topic id]
    /channel on its own lists every link.
channel-none = No channel is linked yet. This is how: /channel <topic> <@channel>
channel-list =
    Linked channels — posts to a topic appear there first:
    { $links }
channel-not-found = I can't find this channel. Add me there as an admin and check the name or id.
channel-not-admin = I may not post in "{ $channel }". Make me an admin there with the right to post messages.
channel-linked = Linked: posts to { $topic } now appear in "{ $channel }" first.
channel-already-linked = "{ $channel }" is linked to { $topic } already.
channel-unlinked = "{ $channel }" no longer gets posts to { $topic }.
channel-not-linked = "{ $channel }" was not linked to { $topic }.
post-channels-note = Plus { $channels } linked channels, which get the post first.
event-invitation =
    📣 { $title }
    🕒 { $when }
    📍 { $place }{ $note }

    Will you be there?
event-invitation-cancelled =
    ❌ CANCELLED: { $title }
    🕒 { $when }
    📍 { $place }
event-reminder =
    ⏰ Reminder: { $title }
    🕒 { $when }
    📍 { $place }
event-changed =
    ⚠️ Changed: { $title }
    🕒 now { $when }
    📍 { $place }
event-cancelled = ❌ Cancelled: { $title } ({ $when }) will not take place.
event-yes = ✅ I'm coming
event-maybe = 🤔 Maybe
event-no = ❌ Can't come
event-calendar = 📅 Add to calendar
event-map = 🗺 Map
event-calendar-sent = The calendar file is on its way.
event-answer-yes = Great, you're coming!
event-answer-maybe = Noted: maybe.
event-answer-no = Too bad — noted.
event-answer-cancelled = This event is cancelled.
event-answer-over = This event is over.
event-preview-only = This is only the preview.
event-usage =
    To call an event: /event <topics> <time> | <title> | <place> [| <note>] [| ⏰ 24h, 1h]
    For example: /event strikes 27.11. 06:00 | Rally at gate 3 | Werkstraße 1, Wolfsburg
    Without details /event asks step by step.
event-ask-title = New event #{ $id }. What is it called? (for example "Rally at gate 3")
event-ask-when = When? For example "27.11. 06:00", "27.11. 06:00-09:00" or "tomorrow 7:00" (time zone { $zone }).
event-ask-place = Where? Write the place, with a map point if you like ("Werkstraße 1, Wolfsburg (52.4227, 10.7865)"), or share a location.
event-ask-topics =
    For which topics? Write them separated by commas:
    { $topics }
event-ask-topics-again = Please name at least one topic, for example: strikes
event-ask-note = A note to add (for example "bring high-vis vests")? Otherwise write "-".
event-confirm =
    ☝️ This is the invitation to event #{ $id }.
    Topics: { $topics }
    Recipients: { $recipients } chats
    Reminders: { $reminders } before (to everyone coming or maybe coming)
    Time zone: { $zone }
    It goes out only with "Send".
event-no-reminders = none
event-end-before-start = The end lies before the start.
event-empty-title = The event needs a title.
event-title-too-long = The title is too long; at most { $max } characters are allowed.
event-empty-place = The event needs a place.
event-place-too-long = The place is too long; at most { $max } characters are allowed.
event-note-too-long = The note is too long; at most { $max } characters are allowed.
event-bad-point = I don't understand this map point. Like this: (52.4227, 10.7865) or geo:52.4227,10.7865
event-bad-reminders = Write reminders like this: 24h, 1h, 30m or 2d (at most five, at most 14 days before), or "none".
events-none = No events are coming up.
events-list =
    Upcoming events ({ $zone }):

    { $events }
events-line =
    #{ $id } · { $when } · { $title }
    📍 { $place }
    ✅ { $yes } · 🤔 { $maybe } · ❌ { $no } · reached: { $reached }
events-cancelled-mark = ❌ CANCELLED ·{" "}
event-change-usage =
    To change an event: /eventchange <number> time <new time> or /eventchange <number> place <new place>
    To call it off: /eventcancel <number>
event-unknown = There is no event #{ $id }.
event-already-cancelled = Event #{ $id } is cancelled already.
event-not-sent = Event #{ $id } has not been sent yet.
guided-album-hint = I can't take an album here. Send it to me on its own, then reply to any of its pictures with /post <topics> — the whole album goes out.

flood-throttled = ⏳ You are sending messages faster than I can take them. I'll ignore them for a short while — please wait a minute, then go on at a calmer pace.
privacy-controller = Responsible for your data (controller): { $org }.
privacy-controller-contact = Responsible for your data (controller): { $org }, contact: { $contact }.
privacy-version-seen = Privacy notice you saw: version { $version }. /mydata sends all of this as a file.
privacy-changed = 🔏 Our privacy notice has changed (version { $version }). Here it is:
mydata-caption = Everything stored about this chat (JSON). /stop deletes all of it.
cmd-mydata = All your data as a file
mydata-admins-only = Only this group's admins can get the group's data.

## /help and the command menu, made from the command declarations
## (handlers/src/registry.rs): one description per command, and the
## argument hints /help shows.
help-intro = How it works:
help-organizers = For organizers:
command-usage = Usage: { $usage }
help-owners = For owners:
cmd-post = Post to the members of topics
cmd-followup = A follow-up to an earlier post
cmd-edit = Correct a post in every chat
cmd-retract = Withdraw a post from every chat
cmd-scheduled = Posts waiting for their time
cmd-event = Call an assembly
cmd-events = Upcoming assemblies and their answers
cmd-eventchange = Change an assembly's time or place
cmd-eventcancel = Cancel an assembly
cmd-stats = Subscribers, growth, latest posts
cmd-link = A topic's link for flyers and websites
cmd-qr = The link as a QR code for print
cmd-invite = Invite an organizer
cmd-organizers = Owners and organizers
cmd-revoke = Take organizer rights away
cmd-audit = The latest organizer actions
cmd-channel = Link a channel or forum topic to a topic
usage-topic = <topic>
usage-post = <topics> <text>
usage-followup = <number> <text>
usage-edit = <number> <new text>
usage-id = <number>
usage-event = <topics> <when> | <title> | <place>
usage-eventchange = <number> time|place <new value>
usage-link = <topic> [campaign]
usage-invite = [topics]
usage-revoke = <id>
usage-channel = [remove] <topic> <@channel | id> [thread]

## The organizers' inbox: members write to the bot, the team answers from a
## Telegram group (handlers/src/inbox/).
cmd-inbox = Make this group the inbox: what members write to the bot arrives here
usage-inbox = [off]
cmd-mute = In the inbox: mute a member (in their topic or as a reply)
usage-mute = [off]
cmd-close = In the inbox: close a conversation (in its topic or as a reply)
inbox-notice = 📨 Your message goes to the team of { $org }. Their organizers read it in their Telegram group; whoever answers writes to you here. We keep only which message went where, never its text — /privacy shows it, /stop deletes it.
inbox-label = Member #{ $case } · { $topics }
inbox-label-bare = Member #{ $case }
inbox-header =
    📨 { $label }
    Organizers who reply to a message of this conversation write to the member. As a reply to one: /close closes the conversation, /mute mutes the member.
inbox-signed = ✍️ { $name } ({ $org }):
inbox-unreachable = ⚠️ { $label } can no longer be reached (blocked the bot or left): the answer did not arrive.
inbox-set-forum =
    📥 This group is now the inbox of { $org }. What members write to the bot arrives here — each conversation in a topic of its own, named after its case number and the member's topics, without names.
    What organizers write in a member's topic goes to the member. What anyone else writes here goes nowhere.
    /close in the topic closes the conversation, /mute mutes the member, /inbox off ends the inbox.
inbox-set-replies =
    📥 This group is now the inbox of { $org }. What members write to the bot arrives here — each conversation begins with a message with its case number and the member's topics, without names, and the member's messages reply to it.
    Organizers who reply to one of them write to the member. What anyone else writes here goes nowhere.
    As a reply: /close closes the conversation, /mute mutes the member. /inbox off ends the inbox.
inbox-answers-team = Answers reach the member without a name, from the team.
inbox-answers-signed = Answers reach the member with the first name of whoever answers.
inbox-moved = The previous inbox (group { $chat }) has ended with this.
inbox-needs-admin = For that I must be an admin of this group. Make me an admin and send /inbox again.
inbox-needs-topics = In a group with topics I must be allowed to manage topics (the admin right “Manage topics”). Give me the right and send /inbox again.
inbox-check-failed = Telegram could not tell me just now whether I am an admin here. Please try again in a moment.
inbox-ended = 📭 The inbox has ended: messages to the bot no longer come here. Not passed on: { $dropped } waiting messages. The copies in this group stay; you can delete them here in the group.
inbox-not-inbox = This group is not the inbox.
inbox-no-case = That works in a conversation: in a member's topic, or as a reply to one of their messages.
inbox-out-of-scope = This member follows none of your topics; others look after their conversation.
inbox-muted = 🔇 { $label } is muted: their messages no longer arrive, and they are not told. /mute off undoes it.
inbox-already-muted = { $label } is muted already.
inbox-unmuted = 🔊 { $label }: their messages arrive again.
inbox-not-muted = { $label } is not muted.
inbox-closed = 🔒 The conversation with { $label } is closed. When the member writes again, it opens anew.
inbox-already-closed = The conversation with { $label } is closed already.
inbox-data = • A conversation with the organizers: case #{ $case }, since { $since }; { $messages } messages are matched to each other (numbers only, no texts). The copies in the inbox group stay there, as records of { $org }.
stats-inbox = Inbox: { $open } open conversations ({ $muted } muted); first answer after { $median } in the median ({ $answered } answered)
stats-inbox-unanswered = Inbox: { $open } open conversations ({ $muted } muted); none answered yet
stats-inbox-off = Inbox: not set up (/inbox in a group)
wait-hours = { $hours } h { $minutes } min
wait-days = { $days } days

## Regions: where members are, chosen by themselves. Shown only where
## regions are configured.
cmd-region = Your region, for news from your area
usage-region = [region | none]
region-prompt = 📍 Where are you? Choose your region — news for your area then reaches you. You can change it any time with /region.
region-prompt-current = 📍 Your region: { $region }. Choose another, or “No region”:
region-ask = 📍 One more question: where are you? Choose your region, so that news for your area reaches you. I ask only this once; /region changes it any time.
region-open = { $region } ›
region-back = ‹ Back
region-not-now = Not now
region-button-none = ✖️ No region
region-set = 📍 Your region is now { $region }. /region changes it.
region-already = 📍 Your region is { $region } already.
region-cleared = ✖️ You have no region any more. Posts for single regions no longer reach you; /region chooses one again.
region-none-yet = You have not chosen a region. /region shows them.
region-skipped = OK, no region for now. /region chooses one any time.
region-gone = This region is not available (any more). Send /region for a fresh choice.
region-unknown =
    I don't know the region “{ $input }”. Available regions:
    { $regions }
region-none-label = none yet — /region chooses one
deep-link-region = 📍 Your region: { $region }.
mytopics-region = 📍 Your region: { $region }
privacy-region = • Region: { $region }
privacy-short-regions =
    Privacy: we store only this chat's number, your language, when you agreed, your topics and, if you choose one, your region — no names, no messages. What you write to the bot (other than commands) is read, where set up, by the organizers in their Telegram group; we keep only which message went where. /privacy shows all of it, /stop deletes all of it.
## Organizers and regions.
post-unknown-region =
    There is no region “{ $input }”. Available regions:
    { $regions }
post-regions-required = You may only post to members in your regions ({ $regions }): name them after the topics, e.g. /post strikes @{ $example } …
post-regions-out-of-scope = You may only post to members in these regions: { $regions }
post-confirm-everywhere = Regions: everywhere (members without a region too)
post-confirm-regions =
    Regions: { $regions } (and the regions below them)
    Recipients per region: { $counts }
post-confirm-nobody = nobody there yet
scope-regions = { $topics }, only in { $regions }
guided-regions = Draft #{ $id } for { $topics }: who should get it? Choose regions (each includes the regions below it) or “Everywhere”, then tap “Next”.
guided-regions-scoped = Draft #{ $id } for { $topics }: choose at least one of your regions (each includes the regions below it), then tap “Next”.
guided-chosen-regions = Regions: { $regions }
guided-everywhere = Everywhere
button-everywhere = 🌍 Everywhere
event-ask-topics-regions =
    For which topics? Write them separated by commas, and for members in some regions only, the regions with @ (for example: strikes @wolfsburg,kassel):
    { $topics }
link-one-region = A link places members in one region at most: /link <topic> @<region> [campaign].
link-region = It also places whoever has no region yet in { $region }.
stats-regions = Subscribers per region (each with the regions below it):
stats-region-line = { $region }: { $subscribers }
stats-region-none = Without a region
stats-region-chart-title = Subscribers per region, today
stats-few = < { $smallest }
