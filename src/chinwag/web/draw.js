// Drawing: nick colours, message rows (links the only markup), the log, the conversation
// and member lists, the topic, who is typing and who you are.
import { app, conv, hooks } from "./state.js";
import { $, el, darkQuery, BACKGROUND } from "./dom.js";
import { fold, clean, parseColor, nickColor, readable, linkify, mentions, hhmm } from "./irc.js";

const shown = new Map(); // folded nick -> colour as drawn on this theme (readable() is not free)

function colorOf(nick) {
  const key = fold(nick);
  let color = shown.get(key);
  if (color === undefined) {
    const dark = darkQuery.matches;
    const chosen = app.colors.get(key) ?? nickColor(nick);
    color = readable(chosen, dark, dark ? BACKGROUND.dark : BACKGROUND.light);
    shown.set(key, color);
  }
  return color;
}

export function setColor(target, value) {
  let hex = null;
  try {
    hex = value ? parseColor(value) : null;
  } catch {
    hex = null;
  }
  if (hex) app.colors.set(fold(target), hex);
  else app.colors.delete(fold(target));
  recolor();
}

export function recolor() {
  shown.clear();
  for (const span of document.querySelectorAll("[data-nick]")) span.style.color = colorOf(span.dataset.nick);
}

export function nickSpan(nick, className = "nick") {
  const span = el("span", className, clean(nick));
  span.dataset.nick = nick;
  span.style.color = colorOf(nick);
  return span;
}

/** A bot's marker after its nick (IRCv3 bot-mode): words, not an emoji, so every font has it. */
function botMark() {
  const mark = el("span", "bot-mark", "bot");
  mark.title = "a bot";
  return mark;
}

/** `m`'s text into `parent`: links where the text was plain, monospace runs in a <code> that
 * keeps their spaces. A multiline message that starts in monospace (a game's board) starts
 * on a line of its own, so every line of the block begins in the same place. */
function wordsInto(parent, m) {
  const mono = m.mono ?? [];
  if (!mono.length) return textInto(parent, m.text);
  if (mono[0][0] === 0 && m.text.includes("\n")) parent.append("\n");
  let at = 0;
  for (const [start, end] of mono) {
    if (start < at || end > m.text.length) continue;
    if (start > at) textInto(parent, m.text.slice(at, start));
    parent.append(el("code", "mono", m.text.slice(start, end)));
    at = end;
  }
  if (at < m.text.length) textInto(parent, m.text.slice(at));
}

function textInto(parent, text) {
  for (const piece of linkify(text)) {
    if (piece.href) {
      const a = el("a", null, piece.text);
      a.href = piece.href;
      a.rel = "noopener noreferrer";
      a.target = "_blank";
      parent.append(a);
    } else parent.append(piece.text);
  }
}

export function row(c, m, previous, index) {
  const li = el("div", `row ${m.kind}`);
  li.dataset.index = String(index);
  if (m.id) li.dataset.msgid = m.id;
  if (c.divider && !m.own && m.time > c.divider && !(previous && !previous.own && previous.time > c.divider)) {
    if (!c.dividerShown) {
      c.dividerShown = true;
      const frag = document.createDocumentFragment();
      const divider = el("div", "divider", "New since you last read");
      divider.setAttribute("role", "separator");
      frag.append(divider, fillRow(li, c, m));
      return frag;
    }
  }
  return fillRow(li, c, m);
}

function fillRow(li, c, m) {
  if (m.reply) {
    const quoted = c.ids.get(m.reply);
    const q = el("blockquote", "quote");
    if (quoted) q.append(nickSpan(quoted.nick), " ", quoted.text.slice(0, 200));
    else q.textContent = "an earlier message";
    li.append(q);
  }
  if (!m.own && m.kind !== "event" && mentions(m.text, app.nick)) li.classList.add("mentions-me");
  const time = el("time", "time", hhmm(m.time));
  time.dateTime = m.time.toISOString();
  li.append(time, " ");
  const body = el("span", "body");
  if (m.redacted) {
    li.classList.add("redacted");
    body.append(nickSpan(m.nick), " ", m.text); // plain text: no links in a deletion's reason
  } else if (m.kind === "msg" || m.kind === "notice") {
    body.append(nickSpan(m.nick));
    if (m.bot) body.append(" ", botMark());
    body.append(m.kind === "notice" ? " (notice) " : " ");
    wordsInto(body, m);
  } else if (m.kind === "action") {
    body.append("* ", nickSpan(m.nick));
    if (m.bot) body.append(" ", botMark());
    body.append(" ");
    wordsInto(body, m);
  } else body.textContent = m.text;
  li.append(body);
  if (m.id && !m.redacted && (m.kind === "msg" || m.kind === "action")) {
    const reply = el("button", "reply", "↩");
    reply.type = "button";
    reply.title = "Reply";
    reply.setAttribute("aria-label", "Reply");
    reply.addEventListener("click", () => hooks.startReply(m));
    li.append(reply);
    if (m.own && app.caps.has("draft/message-redaction")) li.append(deleteButton(c, m));
  }
  return li;
}

/** The button that deletes one of our own messages (REDACT): a first press asks, a second
 * one deletes; leaving it (blur) takes the question back. A button, so the keyboard has it. */
function deleteButton(c, m) {
  const button = el("button", "delete", "🗑");
  button.type = "button";
  button.title = "Delete";
  button.setAttribute("aria-label", "Delete message");
  button.addEventListener("click", () => {
    if (!button.classList.contains("confirm")) {
      button.classList.add("confirm");
      button.textContent = "Delete?";
      button.setAttribute("aria-label", "Press again to delete this message");
      return;
    }
    hooks.redact(c, m);
  });
  button.addEventListener("blur", () => {
    button.classList.remove("confirm");
    button.textContent = "🗑";
    button.setAttribute("aria-label", "Delete message");
  });
  return button;
}

export function render(anchor = null) {
  const log = $("log");
  const c = app.convs.get(app.current);
  log.replaceChildren();
  if (!c) return;
  c.to = Math.min(c.to, c.messages.length);
  if (c.to - c.from > app.renderCap) c.from = c.to - app.renderCap;
  c.dividerShown = false;
  const frag = document.createDocumentFragment();
  for (let i = c.from; i < c.to; i++) frag.append(row(c, c.messages[i], c.messages[i - 1], i));
  log.append(frag);
  if (c.focus) {
    const target = log.querySelector(`[data-msgid="${CSS.escape(c.focus)}"]`);
    c.focus = null;
    if (target) {
      target.classList.add("found");
      aroundLaidOut(target);
      target.scrollIntoView({ block: "center" });
      return;
    }
  }
  if (anchor) {
    const index = c.messages.indexOf(anchor);
    const node = log.querySelector(`[data-index="${index}"]`);
    if (node) {
      aroundLaidOut(node);
      return node.scrollIntoView({ block: "start" });
    }
  }
  scrollDown();
}

/** Lay out the rows within a screen's height of `node` either way, so scrolling to it lands
 * where it stays. */
function aroundLaidOut(node) {
  const log = $("log");
  for (const step of ["previousElementSibling", "nextElementSibling"]) {
    let height = 0;
    for (let row = node[step]; row && height < log.clientHeight; row = row[step]) {
      laidOut(row);
      height += row.offsetHeight;
    }
  }
  laidOut(node);
}

export function atBottom() {
  const log = $("log");
  return log.scrollHeight - log.scrollTop - log.clientHeight < 40;
}
export function scrollDown() {
  const log = $("log");
  // Rows off screen skip their layout (content-visibility: auto) and count as one line
  // each until drawn, so the bottom reached would be short of a tall row (a board, a long
  // multiline message) that grows once drawn. Lay out a screenful from the end first.
  let height = 0;
  for (let row = log.lastElementChild; row && height < 2 * log.clientHeight; row = row.previousElementSibling) {
    laidOut(row);
    height += row.offsetHeight;
  }
  log.scrollTop = log.scrollHeight;
}

/** Lay `row` out now, whatever its place (see scrollDown): a row scrolled to must not change
 * height once it is on screen, or the reader is carried off it. */
function laidOut(row) {
  row.dataset.laidOut = "";
}

export function drawList() {
  const list = $("conv-list");
  const items = [];
  let total = 0;
  for (const key of app.order) {
    const c = app.convs.get(key);
    if (!c || c.kind === "server") continue;
    total += c.unread;
    const li = el("li", "conv" + (key === app.current ? " current" : "") + (c.mention ? " mentioned" : ""));
    li.dataset.key = key;
    const button = el("button", null);
    button.type = "button";
    button.append(el("span", "conv-name", clean(c.name)));
    if (c.mention) button.append(el("span", "mention", "@"));
    if (c.unread) button.append(el("span", "unread", String(c.unread)));
    button.addEventListener("click", () => hooks.select(key));
    if (key === app.current) button.setAttribute("aria-current", "true");
    li.append(button);
    items.push(li);
  }
  list.replaceChildren(...items);
  document.title = (total ? `(${total}) ` : "") + "chinwag";
}

export function drawMembers() {
  const c = app.convs.get(app.current);
  const items = [];
  if (c && c.kind === "room") {
    const rank = (m) => (m.prefix ? app.prefixChars.indexOf(m.prefix[0]) : app.prefixChars.length);
    const members = [...c.members.values()].sort((a, b) => rank(a) - rank(b) || fold(a.nick).localeCompare(fold(b.nick)));
    for (const m of members) {
      const li = el("li", m.away ? "member away" : "member");
      li.append(el("span", "prefix", m.prefix.slice(0, 1)), nickSpan(m.nick));
      if (app.bots.has(fold(m.nick))) li.append(botMark());
      if (m.away) li.append(el("span", "away-mark", " (away)"));
      li.addEventListener("click", () => hooks.select(conv(m.nick, "dm").key));
      items.push(li);
    }
  }
  $("member-list").replaceChildren(...items);
}

export function drawTopic() {
  const c = app.convs.get(app.current);
  $("conv-name").textContent = c ? clean(c.name) : "";
  $("topic").textContent = c && c.kind === "room" ? clean(c.topic) : "";
}

export function drawTyping() {
  const c = app.convs.get(app.current);
  const who = c ? [...c.typing.keys()] : [];
  $("typing").textContent = who.length ? `${who.map(clean).join(", ")} ${who.length > 1 ? "are" : "is"} typing…` : "";
}

export function drawMe() {
  const p = $("me");
  p.replaceChildren("You are ", nickSpan(app.nick), app.account ? ` (account ${clean(app.account)})` : "");
}

export function firstRowId() {
  const first = $("log").querySelector(".row[data-index]");
  return first ? app.convs.get(app.current).messages[Number(first.dataset.index)] : null;
}
