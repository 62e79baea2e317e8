## Basis — English texts.
## Every message needs its counterpart in ../de/basis.ftl; a test checks it.

welcome =
    Welcome to { $org }!
    Choose below the topics you want updates on. You can change them any time with /topics.

privacy-short =
    Privacy: we store only this chat's number, your language, when you agreed and your topics — no names, no messages. /privacy shows all of it, /stop deletes all of it.

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
    • Topics: { $topics }
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

help =
    How it works:
    /topics – choose topics
    /subscribe <topic> – follow a topic
    /unsubscribe <topic> – stop following a topic
    /mytopics – your topics
    /language – choose your language
    /privacy – what is stored about you
    /stop – leave and delete all data
    /help – this help

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
