// Basis sandbox page: plays personas against the fake Telegram server.
// Plain JavaScript, no build step; polls the sandbox's JSON API.
"use strict";

const state = {
  personas: [],
  current: null,
  messages: [],
  rendered: "",
  replyTo: null,
  seen: {},      // persona key -> bot messages seen
  received: {},  // persona key -> bot messages received
};
const COLORS = ["#e17076", "#7bc862", "#65aadd", "#a695e7", "#ee7aae", "#6ec9cb", "#faa774"];
const $ = (id) => document.getElementById(id);

async function api(path, body, raw) {
  const options = body === undefined ? {} : {
    method: "POST",
    headers: { "X-Sandbox": "1", "Content-Type": raw ? "application/octet-stream" : "application/json" },
    body: raw ? body : JSON.stringify(body),
  };
  const response = await fetch(path, options);
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(json.error || response.statusText);
  return json;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null) node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function persona() {
  return state.personas.find((p) => p.key === state.current);
}

// ----- personas ------------------------------------------------------------

function renderPersonas() {
  const list = $("persona-list");
  list.replaceChildren(...state.personas.map((p, i) => {
    const unread = (state.received[p.key] || 0) - (state.seen[p.key] || 0);
    return el("button", {
      class: "persona" + (p.key === state.current ? " active" : ""),
      "data-key": p.key,
      onclick: () => choose(p.key),
    },
      el("span", { class: "avatar", style: `background:${COLORS[i % COLORS.length]}` }, p.name[0]),
      el("span", { class: "who" }, el("span", {}, p.name), el("span", { class: "role" }, `${p.role} · ${p.language}`)),
      unread > 0 && p.key !== state.current ? el("span", { class: "badge" }, unread) : null,
    );
  }));
}

function choose(key) {
  state.current = key;
  state.messages = [];
  state.rendered = "";
  state.replyTo = null;
  location.hash = key;
  const p = persona();
  $("chat-title").textContent = p.chat_kind === "private" ? `${p.name} ↔ Basis bot` : p.name;
  $("chat-sub").textContent = p.chat_kind === "private"
    ? `private chat · ${p.role} · app language ${p.language}`
    : `${p.chat_kind} · ${p.role} · app language ${p.language}`;
  $("messages").replaceChildren();
  renderReply();
  renderPersonas();
  refreshChat();
  $("text").focus();
}

// ----- formatting ----------------------------------------------------------

// Telegram entities (UTF-16 offsets, like JavaScript strings) as DOM nodes:
// the text is cut at every entity boundary and each piece is wrapped in the
// entities covering it.
function formatted(text, entities) {
  if (!text) return [];
  entities = (entities || []).filter((e) => e.length > 0);
  const cuts = new Set([0, text.length]);
  for (const e of entities) { cuts.add(e.offset); cuts.add(e.offset + e.length); }
  const points = [...cuts].filter((c) => c >= 0 && c <= text.length).sort((a, b) => a - b);
  const nodes = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const from = points[i], to = points[i + 1];
    const piece = text.slice(from, to);
    let node = document.createTextNode(piece);
    const covering = entities.filter((e) => e.offset <= from && e.offset + e.length >= to)
      .sort((a, b) => b.length - a.length).reverse();
    for (const e of covering) node = wrap(node, e, text.slice(e.offset, e.offset + e.length));
    nodes.push(node);
  }
  return nodes;
}

function wrap(node, entity, whole) {
  switch (entity.type) {
    case "bold": return el("b", {}, node);
    case "italic": return el("i", {}, node);
    case "underline": return el("u", {}, node);
    case "strikethrough": return el("s", {}, node);
    case "code": return el("code", {}, node);
    case "pre": return el("pre", {}, node);
    case "blockquote": case "expandable_blockquote": return el("blockquote", {}, node);
    case "spoiler": return el("span", { class: "spoiler", onclick: (ev) => ev.currentTarget.classList.add("shown") }, node);
    case "text_link": return link(entity.url, node);
    case "url": return link(/^https?:/i.test(whole) ? whole : "https://" + whole, node);
    case "email": return el("a", { href: "mailto:" + whole }, node);
    case "bot_command": return el("span", { class: "cmd", title: "send " + whole, onclick: () => sendText(whole.split("@")[0]) }, node);
    default: return node;
  }
}

// Deep links into the bot (`t.me/<bot>?start=payload`) become `/start payload`
// sent by the current persona, as Telegram does when one taps them.
function startPayload(url) {
  const match = /^https?:\/\/t\.me\/[A-Za-z0-9_]+\?start=([A-Za-z0-9_-]+)/.exec(url || "");
  return match ? match[1] : null;
}

function link(url, node) {
  const payload = startPayload(url);
  if (payload) {
    return el("a", { href: "#", title: "opens the bot: /start " + payload, onclick: (ev) => { ev.preventDefault(); sendText("/start " + payload); } }, node);
  }
  return el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, node);
}

// ----- chat ----------------------------------------------------------------

function renderMessages() {
  const box = $("messages");
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const me = persona();
  const byId = new Map(state.messages.map((m) => [m.id, m]));
  box.replaceChildren(...state.messages.map((m) => renderMessage(m, me, byId)));
  if (nearBottom || !state.scrolled) { box.scrollTop = box.scrollHeight; state.scrolled = true; }
  renderReplyKeyboard();
}

function renderMessage(m, me, byId) {
  const own = !m.from_bot && m.from_id === me.user_id;
  const bubble = el("div", { class: "bubble" });
  if (!own && me.chat_kind !== "private") bubble.append(el("div", { class: "name" }, m.from_bot ? "Basis" : m.from_name));
  if (m.forwarded) bubble.append(el("div", { class: "quote" }, "forwarded"));
  if (m.reply_to && byId.has(m.reply_to)) {
    const quoted = byId.get(m.reply_to);
    bubble.append(el("div", { class: "quote" }, (quoted.text || "[" + quoted.kind + "]").slice(0, 60)));
  }
  if (m.file && (m.kind === "photo" || m.kind === "sticker" || m.kind === "animation")) {
    bubble.append(el("a", { href: m.file, target: "_blank" }, el("img", { class: "photo", src: m.file, alt: "photo" })));
  } else if (m.file) {
    bubble.append(el("a", { class: "doc", href: m.file, download: m.file_name || "file" },
      el("span", { class: "icon" }, "📄"), el("span", {}, m.file_name || m.kind)));
  } else if (m.kind !== "text" && !m.text) {
    bubble.append(el("i", {}, `[${m.kind}]`));
  }
  bubble.append(...formatted(m.text, m.entities));
  const time = new Date(m.date * 1000).toTimeString().slice(0, 5);
  bubble.append(el("div", { class: "meta" },
    m.edited ? "edited " : "", time,
    el("button", { class: "reply-btn", title: "Reply to this message", onclick: () => { state.replyTo = m; renderReply(); $("text").focus(); } }, "↩")));
  const node = el("div", { class: "msg" + (own ? " own" : "") + (m.from_bot ? " bot" : ""), "data-id": m.id }, bubble);
  const rows = m.reply_markup && m.reply_markup.inline_keyboard;
  if (rows) node.append(inlineKeyboard(m, rows));
  return node;
}

function inlineKeyboard(m, rows) {
  return el("div", { class: "keyboard" }, rows.map((row) => el("div", { class: "row" }, row.map((b) => {
    if (b.url) {
      const payload = startPayload(b.url);
      return payload
        ? el("button", { class: "kb", onclick: () => sendText("/start " + payload) }, b.text)
        : el("a", { class: "kb", href: b.url, target: "_blank", rel: "noopener noreferrer" }, b.text + " ↗");
    }
    if (b.callback_data === undefined) return el("button", { class: "kb", disabled: "" }, b.text);
    return el("button", { class: "kb", onclick: (ev) => press(m.id, b.callback_data, ev.currentTarget) }, b.text);
  }))));
}

// A reply keyboard or a ForceReply from the bot's latest message.
function renderReplyKeyboard() {
  const box = $("reply-keyboard");
  const last = [...state.messages].reverse().find((m) => m.from_bot);
  const markup = last && last.reply_markup;
  if (markup && markup.force_reply && (!state.replyTo || state.replyTo.id < last.id) && !state.forcedDone?.[last.id]) {
    state.replyTo = last;
    renderReply();
  }
  const rows = markup && markup.keyboard;
  if (!rows) { box.replaceChildren(); return; }
  box.replaceChildren(...rows.flat().map((b) => {
    const text = typeof b === "string" ? b : b.text;
    return el("button", { type: "button", onclick: () => sendText(text) }, text);
  }));
}

function renderReply() {
  const bar = $("reply-bar");
  if (!state.replyTo) { bar.hidden = true; return; }
  bar.hidden = false;
  $("reply-text").textContent = "↩ " + (state.replyTo.text || "[" + state.replyTo.kind + "]").slice(0, 80);
}

function toast(text, alert) {
  const box = $("toast");
  box.textContent = text;
  box.className = alert ? "alert" : "";
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, alert ? 4000 : 2200);
}

async function press(messageId, data, button) {
  const who = state.current;
  if (button) button.disabled = true;
  try {
    const answer = await api(`/api/chat/${who}/press`, { message_id: messageId, data });
    if (answer.text) toast(answer.text, answer.show_alert);
  } catch (error) {
    toast("Error: " + error.message, true);
  } finally {
    if (button) button.disabled = false;
  }
  refreshChat();
}

async function sendText(text) {
  text = (text || "").trim();
  if (!text) return;
  const body = { text };
  if (state.replyTo) {
    body.reply_to = state.replyTo.id;
    state.forcedDone = { ...(state.forcedDone || {}), [state.replyTo.id]: true };
  }
  state.replyTo = null;
  renderReply();
  try {
    await api(`/api/chat/${state.current}/send`, body);
  } catch (error) {
    toast("Error: " + error.message, true);
  }
  refreshChat();
}

async function sendPhoto(file) {
  const caption = $("text").value.trim();
  let path = `/api/chat/${state.current}/photo`;
  if (caption) path += "?caption=" + encodeURIComponent(caption);
  try {
    await api(path, await file.arrayBuffer(), true);
    $("text").value = "";
  } catch (error) {
    toast("Error: " + error.message, true);
  }
  refreshChat();
}

async function refreshChat() {
  const key = state.current;
  if (!key) return;
  try {
    const chat = await api(`/api/chat/${key}`);
    if (key !== state.current) return;
    const signature = JSON.stringify(chat.messages);
    if (signature !== state.rendered) {
      state.rendered = signature;
      state.messages = chat.messages;
      renderMessages();
    }
    const bot = chat.messages.filter((m) => m.from_bot).length;
    if (state.seen[key] !== bot) { state.seen[key] = bot; renderPersonas(); }
  } catch (error) {
    $("chat-sub").textContent = "sandbox not reachable: " + error.message;
  }
}

// ----- queue panel ---------------------------------------------------------

async function refreshQueue() {
  let q;
  try { q = await api("/api/queue"); } catch { return; }
  const box = $("broadcasts");
  if (q.broadcasts.length) {
    box.replaceChildren(...q.broadcasts.map((b) => {
      const pct = (n) => (b.total ? (100 * n / b.total) : 0).toFixed(2) + "%";
      return el("div", { class: "broadcast", "data-id": b.id },
        el("div", { class: "line" }, el("strong", {}, `Broadcast #${b.id}`), el("span", {}, b.running ? "sending…" : "finished")),
        el("div", { class: "bar" },
          el("div", { style: `width:${pct(b.sent)}` }),
          el("div", { class: "blocked", style: `width:${pct(b.blocked)}` }),
          el("div", { class: "failed", style: `width:${pct(b.failed)}` })),
        el("div", { class: "line" },
          el("span", {}, `delivered ${b.sent.toLocaleString()} / ${b.total.toLocaleString()}`),
          el("span", {}, `remaining ${b.remaining.toLocaleString()}`)),
        b.failed || b.blocked ? el("div", { class: "quiet" }, `failed ${b.failed} · blocked ${b.blocked}`) : null);
    }));
  }
  $("rate").textContent = q.rate.per_second.toFixed(1);
  $("limit").textContent = q.rate.limit;
  $("rate-bar").style.width = Math.min(100, 100 * q.rate.per_second / q.rate.limit).toFixed(1) + "%";
  $("synthetic").textContent = `${q.synthetic_members.toLocaleString()} synthetic subscribers · ${q.deliveries.toLocaleString()} messages sent in all`;
  const rows = q.personas.map((p) => el("tr", { "data-key": p.key },
    el("td", {}, p.name), el("td", {}, p.received), el("td", { class: "last" }, p.last || "–")));
  $("received").tBodies[0].replaceChildren(...rows);
  let changed = false;
  for (const p of q.personas) {
    if (state.received[p.key] !== p.received) { state.received[p.key] = p.received; changed = true; }
  }
  if (changed) renderPersonas();
}

// ----- start ---------------------------------------------------------------

async function start() {
  const list = await api("/api/personas");
  state.personas = list.personas;
  $("composer").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const input = $("text");
    const text = input.value;
    input.value = "";
    sendText(text);
  });
  $("reply-cancel").addEventListener("click", () => {
    if (state.replyTo) state.forcedDone = { ...(state.forcedDone || {}), [state.replyTo.id]: true };
    state.replyTo = null;
    renderReply();
  });
  $("photo").addEventListener("change", (ev) => {
    const file = ev.target.files[0];
    ev.target.value = "";
    if (file) sendPhoto(file);
  });
  const wanted = location.hash.slice(1);
  choose(state.personas.some((p) => p.key === wanted) ? wanted : state.personas[0].key);
  setInterval(refreshChat, 500);
  setInterval(refreshQueue, 700);
  refreshQueue();
}

start().catch((error) => { document.body.prepend(el("p", { class: "service" }, "Cannot start: " + error.message)); });
