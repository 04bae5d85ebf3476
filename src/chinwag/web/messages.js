// Messages: which conversation a line belongs to, filing it there in time order, system
// lines, unread counts and read markers.
import { app, conv, me, isChannel } from "./state.js";
import { $ } from "./dom.js";
import { send } from "./connection.js";
import { clean, cleanMonospace, fold, mentions } from "./irc.js";
import { drawTyping, drawList, drawMembers, row, render, atBottom, scrollDown, firstRowId } from "./draw.js";
import { notify } from "./notify.js";

function timeOf(line) {
  return line.tags.time ? new Date(line.tags.time) : new Date();
}

export function conversationOf(line) {
  const target = line.params[0];
  if (isChannel(target)) return target;
  if (me(target)) return line.nick;
  return target; // our own message echoed, or from another of our devices
}

export const REDACTED_TEXT = "message deleted"; // as the Python clients say (client/values.py)

/** Fold a redaction onto `m` (draft/message-redaction): its text becomes "message
 * deleted", with the reason if one was given (shown as text, like everything else). */
function redacted(m, reason) {
  m.redacted = true;
  m.mono = [];
  m.text = REDACTED_TEXT + (reason ? ` (${clean(reason)})` : "");
}

/** Whether `m` (in `c`) was redacted before it arrived: fold it on. */
export function foldRedaction(c, m) {
  const known = m.id ? app.redactions.get(m.id) : null;
  if (known && known.key === c.key) redacted(m, known.reason);
}

/** REDACT <target> <msgid> [<reason>]: the message shows as deleted in its conversation,
 * now if it is there, or when it arrives (a history page loaded later). */
export function redact(line) {
  const [, msgid, reason] = line.params;
  if (!msgid) return;
  const c = app.convs.get(fold(conversationOf(line)));
  if (!c) return;
  app.redactions.set(msgid, { key: c.key, reason: reason ?? "" });
  const m = c.ids.get(msgid);
  if (!m) return;
  redacted(m, reason);
  if (c.key !== app.current) return;
  const node = $("log").querySelector(`.row[data-msgid="${CSS.escape(msgid)}"]`);
  if (node) {
    const at = Number(node.dataset.index);
    node.replaceWith(row(c, m, c.messages[at - 1], at));
  }
}

export function toMessage(line, kind) {
  let text = line.params[1] ?? "";
  if (kind === "msg" && text.startsWith("\x01ACTION ")) {
    kind = "action";
    text = text.slice(8).replace(/\x01$/, "");
  } else if (text.startsWith("\x01")) return null; // other CTCP: nothing to show
  const formatted = cleanMonospace(text);
  return {
    kind, nick: line.nick, text: formatted.text, mono: formatted.mono, time: timeOf(line), id: line.tags.msgid ?? null,
    reply: line.tags["+reply"] ?? line.tags["+draft/reply"] ?? null, own: me(line.nick),
    bot: "bot" in line.tags, // IRCv3 bot-mode: the server tags every message of a +B user
  };
}

export function message(line, kind) {
  // The server's own notices (no nick!user@host) are not a conversation.
  if (!line.nick || (kind === "notice" && !line.source.includes("!"))) return system(clean(line.params[1] ?? ""));
  const m = toMessage(line, kind);
  if (!m) return;
  if (m.bot && !app.bots.has(fold(m.nick))) {
    app.bots.add(fold(m.nick)); // a bot now: its entry in the member list says so
    drawMembers();
  }
  const c = conv(conversationOf(line));
  if (c.typing.delete(m.nick)) drawTyping();
  const seen = c.key === app.current && document.visibilityState === "visible" && atBottom();
  // Read as it comes: no "new since" line before it (one already shown stays).
  if (seen && !c.dividerShown) c.divider = m.time;
  if (!add(c, m)) return;
  if (!m.own) {
    if (seen) markRead(c);
    else {
      c.unread++;
      const mention = c.kind === "dm" || mentions(m.text, app.nick);
      if (mention) {
        c.mention = true;
        notify(c, m);
      }
    }
    drawList();
  }
}

/** Put `m` in its place in `c` (by time; a message already there is not added twice). */
export function add(c, m, { live = true } = {}) {
  if (m.id && c.ids.has(m.id)) return false;
  foldRedaction(c, m);
  if (m.id) c.ids.set(m.id, m);
  const list = c.messages;
  let at = list.length;
  while (at > 0 && list[at - 1].time > m.time) at--;
  const atEnd = c.to === list.length; // the rendered window reaches the newest line
  const anchor = c.key === app.current && live && at < c.to ? firstRowId() : null;
  list.splice(at, 0, m);
  if (at < c.from) c.from++;
  if (at < c.from || at < c.to || (at === c.to && atEnd)) c.to++;
  if (c.key !== app.current) return true;
  if (live && at === list.length - 1 && atEnd) {
    const stick = atBottom();
    $("log").append(row(c, m, list[at - 1], at));
    if (c.to - c.from > app.renderCap) {
      $("log").firstElementChild.remove();
      c.from++;
    }
    if (stick) scrollDown();
  } else if (live && at < c.to) {
    render(anchor); // a line placed among those shown: the reader stays where they are
  }
  return true;
}

export function event(c, line, text) {
  add(c, { kind: "event", nick: line.nick, text: clean(text), time: timeOf(line), id: line.tags.msgid ?? null, own: true });
}

export function system(text) {
  const c = app.current ? app.convs.get(app.current) : conv("*server*", "server");
  add(c, { kind: "system", nick: "", text, time: new Date(), id: null, own: true });
}

export function recount(c) {
  c.unread = c.marker ? c.messages.filter((m) => !m.own && (m.kind === "msg" || m.kind === "action") && m.time > c.marker).length : c.unread;
  if (!c.unread) c.mention = false;
  drawList();
}

let markTimer = null;
export function markRead(c) {
  const last = [...c.messages].reverse().find((m) => m.kind !== "system");
  c.unread = 0;
  c.mention = false;
  drawList();
  if (!last || !app.caps.has("draft/read-marker")) return;
  if (c.marker && last.time <= c.marker) return;
  c.marker = last.time;
  clearTimeout(markTimer);
  markTimer = setTimeout(() => send("MARKREAD", [c.name, `timestamp=${last.time.toISOString()}`]), 200);
}
