// History (draft/chathistory): asking for lines before, after or around one, and for the
// recent direct conversations, and filing the batches that come back.
import { app, conv, isChannel } from "./state.js";
import { labelled } from "./connection.js";
import { toMessage, add, recount, foldRedaction, redact } from "./messages.js";
import { drawList, render, firstRowId } from "./draw.js";
import { showResults } from "./search.js";

export const PAGE = 100; // lines per CHATHISTORY page
export const LATEST_ON_JOIN = 50;
export const SPOKEN = new Set(["msg", "action", "notice"]); // what history holds (not joins, parts)
const GAP_PAGES = 20; // pages of AFTER at most per conversation after a reconnection
const TARGETS_DAYS = 30; // how far back the direct conversations listed on login go
const TARGETS_LIMIT = 100; // conversations asked for at most

/** How CHATHISTORY names message `m`: its msgid (exact), else its time. */
export function reference(m) {
  return m.id ? `msgid=${m.id}` : `timestamp=${m.time.toISOString()}`;
}

export function history(c, sub, ref, limit, page = 0) {
  labelled("CHATHISTORY", [sub, c.name, ref, String(limit)], { kind: sub, key: c.key, limit, page });
}

/** Ask which conversations had messages in the last TARGETS_DAYS (after logging in: the
 * direct ones are listed). */
export function targets() {
  const now = new Date();
  const since = new Date(now.getTime() - TARGETS_DAYS * 24 * 3600 * 1000);
  const range = [`timestamp=${since.toISOString()}`, `timestamp=${now.toISOString()}`];
  labelled("CHATHISTORY", ["TARGETS", ...range, String(TARGETS_LIMIT)], { kind: "TARGETS" });
}

/** The direct conversations of a TARGETS reply, each in the list with its latest lines,
 * none marked unread (only lines after its read marker count, as in a room). The rooms
 * are already there (joined). */
function listTargets(lines) {
  for (const line of lines) {
    const [sub, name] = line.params;
    if (line.command !== "CHATHISTORY" || sub !== "TARGETS" || !name || isChannel(name)) continue;
    const c = conv(name, "dm");
    if (!c.messages.length) history(c, "LATEST", "*", LATEST_ON_JOIN);
  }
}

export function finishBatch(batch) {
  const request = batch.label ? app.labels.get(batch.label) : null;
  if (batch.type === "soju.im/search") return showResults(batch.lines);
  if (batch.type === "draft/chathistory-targets") return listTargets(batch.lines);
  const target = batch.params[0];
  const c = request ? app.convs.get(request.key) : target ? conv(target) : null;
  if (!c) return;
  const found = [];
  for (const line of batch.lines) {
    if (line.command !== "PRIVMSG" && line.command !== "NOTICE") continue;
    const m = toMessage(line, line.command === "PRIVMSG" ? "msg" : "notice");
    if (m && !(m.id && c.ids.has(m.id))) found.push(m);
  }
  const anchor = c.key === app.current ? firstRowId() : null;
  const before = c.messages.length;
  if (request?.kind === "BEFORE") {
    // Older than all we have, in order: in front (times alone cannot place lines sent
    // in the same millisecond).
    for (const m of found) {
      foldRedaction(c, m);
      if (m.id) c.ids.set(m.id, m);
    }
    c.messages = found.concat(c.messages);
    c.to += found.length;
  } else for (const m of found) add(c, m, { live: false });
  const added = c.messages.length - before;
  // A replay may carry redactions too (with event-playback, or from another server).
  for (const line of batch.lines) if (line.command === "REDACT") redact(line);
  if (request?.kind === "BEFORE") {
    c.loadingOlder = false;
    // The end tag says so even of a full page; a short page says it on older servers.
    if (batch.end || batch.lines.length < request.limit) c.historyDone = true;
    c.from = 0;
  } else if (request?.kind === "AROUND") {
    const at = c.messages.findIndex((m) => m.id === request.msgid);
    c.from = Math.max(0, at - app.renderCap / 2);
    c.to = Math.min(c.messages.length, c.from + app.renderCap);
    c.focus = request.msgid;
  } else {
    c.to = c.messages.length;
    c.from = Math.max(0, c.to - app.renderCap);
    if (request?.kind === "LATEST" && (batch.end || batch.lines.length < request.limit)) c.historyDone = true;
    const last = found[found.length - 1];
    if (request?.kind === "AFTER" && !batch.end && batch.lines.length >= request.limit && last && request.page < GAP_PAGES) {
      history(c, "AFTER", reference(last), PAGE, request.page + 1); // more of the gap
    }
    if (!request) {
      // Direct messages that came while we were away (no request of ours): unread.
      for (const m of found) if (!m.own && (!c.marker || m.time > c.marker)) c.unread++, (c.mention = true);
      drawList();
    }
    if (c.marker) recount(c);
  }
  if (c.divider == null && c.marker) c.divider = c.marker;
  if (c.key === app.current && (added || request?.kind === "AROUND")) render(anchor);
}
