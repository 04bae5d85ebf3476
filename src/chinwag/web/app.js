// chinwag in the browser: IRC over the server's own WebSocket (/ws), no framework.
// Everything from the network is shown with textContent and createElement, cleaned first
// (irc.js clean); links are the only markup made from it, and only http(s).
import { PALETTE, HELP, HELP_FOOTER, COMMAND_NAMES } from "./shared.js";
import {
  parseLine, buildLine, fold, clean, parseColor, colorName, nickColor, readable, parseInput,
  linkify, mentions, hhmm, searchAttributes, ColorError,
} from "./irc.js";

const WANTED_CAPS = [
  "account-notify", "account-tag", "away-notify", "batch", "cap-notify", "chghost",
  "draft/account-registration", "draft/chathistory", "draft/metadata-2", "draft/read-marker",
  "echo-message", "extended-join", "invite-notify", "labeled-response", "message-tags",
  "multi-prefix", "sasl", "server-time", "setname", "standard-replies", "userhost-in-names",
  "soju.im/search",
];
const PAGE = 100; // lines per CHATHISTORY page
const LATEST_ON_JOIN = 50;
const SPOKEN = new Set(["msg", "action", "notice"]); // what history holds (not joins, parts)
const GAP_PAGES = 20; // pages of AFTER at most per conversation after a reconnection
const BACKOFF = [1, 2, 4, 8, 15, 30]; // seconds before each reconnection attempt
const TYPING_EVERY = 3000;
const TYPING_SHOWN = 6000;
const BACKGROUND = { light: "#ffffff", dark: "#16181c" }; // the theme's --bg, for contrast

const $ = (id) => document.getElementById(id);
const el = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
};
const darkQuery = matchMedia("(prefers-color-scheme: dark)");
const isChannel = (name) => name.startsWith("#") || name.startsWith("&");

// -- state ------------------------------------------------------------------------------

const app = {
  ws: null, nick: "", color: "", password: null, register: false, account: null,
  caps: new Set(), offered: new Map(), ready: false, everReady: false, quitting: false,
  prefixModes: "ov", prefixChars: "@+", convs: new Map(), order: [], current: null,
  colors: new Map(), batches: new Map(), labels: new Map(), labelSeq: 0, attempt: 0,
  countdown: null, recall: [], recallAt: 0, typingSent: 0, replyTo: null, notify: false,
  secretFor: null, results: [],
  renderCap: 2000, // rows of one conversation in the DOM at most; older ones page in on scroll
};
window.chinwag = app; // for the tests, the benchmark (bench/web.py) and the curious

function conv(name, kind = isChannel(name) ? "room" : "dm") {
  const key = fold(name);
  let c = app.convs.get(key);
  if (!c) {
    c = {
      key, name, kind, messages: [], ids: new Map(), from: 0, to: 0, unread: 0, mention: false,
      topic: "", members: new Map(), marker: null, divider: null, joined: false,
      historyDone: false, loadingOlder: false, typing: new Map(),
    };
    app.convs.set(key, c);
    app.order.push(key);
    drawList();
  }
  return c;
}

// -- the connection ---------------------------------------------------------------------

function send(command, params = [], tags = null) {
  if (app.ws && app.ws.readyState === WebSocket.OPEN) app.ws.send(buildLine(command, params, tags));
}

function labelled(command, params, request) {
  const label = "w" + ++app.labelSeq;
  app.labels.set(label, request);
  send(command, params, app.caps.has("labeled-response") ? { label } : null);
  return label;
}

function connect() {
  clearInterval(app.countdown);
  app.ready = false;
  app.caps = new Set();
  app.offered = new Map();
  app.batches = new Map();
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  let ws;
  try {
    ws = new WebSocket(`${scheme}//${location.host}/ws`, ["text.ircv3.net"]);
  } catch {
    return lost();
  }
  app.ws = ws;
  let opened = false;
  ws.onopen = () => {
    opened = true;
    send("CAP", ["LS", "302"]);
    send("NICK", [app.nick]);
    send("USER", [app.nick, "0", "*", app.nick]);
  };
  ws.onmessage = (event) => {
    const text = typeof event.data === "string" ? event.data : "";
    for (const raw of text.split(/\r?\n/)) if (raw) receive(parseLine(raw));
  };
  ws.onclose = () => {
    if (app.ws !== ws) return;
    app.ws = null;
    if (app.quitting) return;
    if (!app.everReady) {
      if (!opened) loginError("server-error", "The server cannot be reached. Is it running?");
      return showLogin();
    }
    lost();
  };
}

function lost() {
  app.ready = false;
  for (const c of app.convs.values()) c.joined = c.kind !== "room";
  const delay = BACKOFF[Math.min(app.attempt, BACKOFF.length - 1)];
  app.attempt++;
  let left = delay;
  const say = () => {
    $("banner-text").textContent = `Connection lost. Reconnecting in ${left} s…`;
  };
  $("banner").hidden = false;
  $("banner").classList.add("down");
  say();
  clearInterval(app.countdown);
  app.countdown = setInterval(() => {
    left--;
    if (left <= 0) {
      clearInterval(app.countdown);
      $("banner-text").textContent = "Reconnecting…";
      connect();
    } else say();
  }, 1000);
}

// -- what the server says ---------------------------------------------------------------

function receive(line) {
  const ref = line.tags.batch;
  if (ref && app.batches.has(ref) && line.command !== "BATCH") {
    const batch = app.batches.get(ref);
    if (batch.collect) {
      batch.lines.push(line);
      return;
    }
  }
  const handler = HANDLERS[line.command];
  if (handler) handler(line);
  else if (/^\d{3}$/.test(line.command)) numeric(line);
}

function timeOf(line) {
  return line.tags.time ? new Date(line.tags.time) : new Date();
}

const me = (nick) => fold(nick) === fold(app.nick);

const HANDLERS = {
  CAP(line) {
    const [, sub, ...rest] = line.params;
    const list = rest[rest.length - 1] ?? "";
    if (sub === "LS" || sub === "NEW") {
      for (const item of list.split(" ").filter(Boolean)) {
        const [name, value = ""] = item.split(/=(.*)/s);
        app.offered.set(name, value);
      }
      if (sub === "LS" && rest[0] === "*") return; // more to come
      const want = WANTED_CAPS.filter((c) => app.offered.has(c) && !app.caps.has(c));
      if (want.length) send("CAP", ["REQ", want.join(" ")]);
      else if (sub === "LS") afterCaps();
    } else if (sub === "ACK") {
      for (const name of list.split(" ").filter(Boolean)) {
        if (name.startsWith("-")) app.caps.delete(name.slice(1));
        else app.caps.add(name);
      }
      $("search-form").hidden = !app.caps.has("soju.im/search");
      if (!app.ready) afterCaps();
    } else if (sub === "NAK") {
      if (!app.ready) afterCaps();
    } else if (sub === "DEL") {
      for (const name of list.split(" ")) app.caps.delete(name);
      $("search-form").hidden = !app.caps.has("soju.im/search");
    }
  },
  AUTHENTICATE(line) {
    if (line.params[0] !== "+" || app.password == null) return;
    const bytes = new TextEncoder().encode(`\0${app.account ?? app.nick}\0${app.password}`);
    let binary = "";
    for (const b of bytes) binary += String.fromCharCode(b);
    const encoded = btoa(binary);
    for (let i = 0; i < encoded.length; i += 400) send("AUTHENTICATE", [encoded.slice(i, i + 400)]);
    if (encoded.length % 400 === 0) send("AUTHENTICATE", ["+"]);
  },
  PING(line) {
    send("PONG", line.params);
  },
  ERROR(line) {
    if (!app.everReady) loginError("server-error", clean(line.params[0] ?? "The server closed the connection"));
  },
  BATCH(line) {
    const [head, type, ...params] = line.params;
    const ref = head.slice(1);
    if (head.startsWith("+")) {
      const parent = line.tags.batch ? app.batches.get(line.tags.batch) : null;
      const label = line.tags.label ?? parent?.label ?? null;
      const collect = ["chathistory", "draft/chathistory", "soju.im/search"].includes(type);
      app.batches.set(ref, { type, params, label, lines: [], collect });
    } else {
      const batch = app.batches.get(ref);
      app.batches.delete(ref);
      if (batch && batch.collect) finishBatch(batch);
      if (batch?.label) app.labels.delete(batch.label);
    }
  },
  PRIVMSG: (line) => message(line, "msg"),
  NOTICE: (line) => message(line, "notice"),
  TAGMSG(line) {
    const typing = line.tags["+typing"];
    if (!typing || me(line.nick)) return;
    const c = app.convs.get(fold(conversationOf(line)));
    if (!c) return;
    clearTimeout(c.typing.get(line.nick));
    if (typing === "active") c.typing.set(line.nick, setTimeout(() => { c.typing.delete(line.nick); drawTyping(); }, TYPING_SHOWN));
    else c.typing.delete(line.nick);
    drawTyping();
  },
  JOIN(line) {
    const room = line.params[0];
    const c = conv(room, "room");
    if (me(line.nick)) {
      c.joined = true;
      c.members.clear();
      if (!app.current || app.switchOnJoin === c.key) select(c.key);
      if (app.caps.has("draft/chathistory")) {
        // Back after a reconnection: what was said since the newest line we have, page by
        // page (fill); a first join: the latest lines.
        const newest = c.messages.findLast((m) => m.id && SPOKEN.has(m.kind));
        if (newest) history(c, "AFTER", reference(newest), PAGE, 1);
        else history(c, "LATEST", "*", LATEST_ON_JOIN);
      }
    } else {
      c.members.set(fold(line.nick), { nick: line.nick, prefix: "", away: false });
      event(c, line, `${line.nick} joined`);
    }
    drawMembers();
  },
  PART(line) {
    const c = app.convs.get(fold(line.params[0]));
    if (!c) return;
    if (me(line.nick)) {
      c.joined = false;
      if (app.leaving === c.key) return close(c);
    }
    c.members.delete(fold(line.nick));
    event(c, line, `${line.nick} left` + (line.params[1] ? ` (${line.params[1]})` : ""));
    drawMembers();
  },
  KICK(line) {
    const c = app.convs.get(fold(line.params[0]));
    if (!c) return;
    c.members.delete(fold(line.params[1]));
    if (me(line.params[1])) c.joined = false;
    event(c, line, `${line.params[1]} was removed by ${line.nick}` + (line.params[2] ? ` (${line.params[2]})` : ""));
    drawMembers();
  },
  QUIT(line) {
    const key = fold(line.nick);
    for (const c of app.convs.values()) {
      if (c.members.delete(key) || (c.kind === "dm" && c.key === key)) {
        event(c, line, `${line.nick} quit` + (line.params[0] ? ` (${line.params[0]})` : ""));
      }
    }
    drawMembers();
  },
  NICK(line) {
    const old = line.nick;
    const nick = line.params[0];
    if (me(old)) {
      app.nick = nick;
      drawMe();
    }
    const color = app.colors.get(fold(old));
    if (color) app.colors.set(fold(nick), color);
    for (const c of app.convs.values()) {
      const member = c.members.get(fold(old));
      if (member || (c.kind === "dm" && c.key === fold(old)) || me(nick)) {
        if (member) {
          c.members.delete(fold(old));
          c.members.set(fold(nick), { ...member, nick });
        }
        if (member || c.kind === "dm") event(c, line, `${old} is now ${nick}`);
      }
    }
    drawMembers();
  },
  TOPIC(line) {
    const c = conv(line.params[0], "room");
    c.topic = line.params[1] ?? "";
    event(c, line, `${line.nick} set the topic: ${c.topic}`);
    drawTopic();
  },
  MODE(line) {
    const c = app.convs.get(fold(line.params[0]));
    if (!c || c.kind !== "room") return;
    event(c, line, `${line.nick} set mode ${line.params.slice(1).join(" ")}`);
    // Who is an op or voiced may have changed: ask for the names again.
    c.refreshNames = true;
    send("NAMES", [c.name]);
  },
  INVITE(line) {
    const room = line.params[1] ?? "";
    system(`${line.nick} invites you to ${room}: /join ${room}`);
  },
  AWAY(line) {
    for (const c of app.convs.values()) {
      const member = c.members.get(fold(line.nick));
      if (member) member.away = line.params.length > 0;
    }
    drawMembers();
  },
  METADATA(line) {
    const [target, key, , value] = line.params;
    if (key === "color") setColor(target, value);
  },
  MARKREAD(line) {
    const [target, stamp = "*"] = line.params;
    const c = app.convs.get(fold(target));
    if (!c || !stamp.startsWith("timestamp=")) return;
    const when = new Date(stamp.slice(10));
    if (c.marker && when <= c.marker) return;
    c.marker = when;
    if (c.key !== app.current || document.visibilityState !== "visible") c.divider = when;
    recount(c);
    if (c.key === app.current) render();
  },
  REGISTER(line) {
    if (line.params[0] === "SUCCESS") {
      app.account = line.params[1];
      app.register = false; // from now on the password logs in (SASL) on each reconnection
      system(`Registered: ${line.params[1]} is now your account.`);
      if (!app.everReady) welcome();
    } else system(clean(line.params[line.params.length - 1]));
  },
  FAIL(line) {
    const [command, code] = line.params;
    const request = line.tags.label ? app.labels.get(line.tags.label) : null;
    if (command === "CHATHISTORY" && request?.kind === "AFTER" && app.convs.has(request.key)) {
      // The line we had is not in the server's history (another server, or expired).
      return history(app.convs.get(request.key), "LATEST", "*", LATEST_ON_JOIN);
    }
    const text = clean(line.params[line.params.length - 1] ?? code);
    if (command === "REGISTER" && !app.everReady) {
      loginError(code === "ACCOUNT_EXISTS" ? "nick-error" : "password-error", text);
      return quitQuietly();
    }
    if (command === "METADATA" && !app.everReady) loginError("color-error", text);
    system(`${command}: ${text}`);
  },
};
HANDLERS.WARN = HANDLERS.NOTE = (line) => system(clean(line.params[line.params.length - 1]));

function afterCaps() {
  if (app.password != null && !app.register && app.caps.has("sasl") && !app.saslDone) {
    app.saslDone = true;
    send("AUTHENTICATE", ["PLAIN"]);
  } else send("CAP", ["END"]);
}

function numeric(line) {
  const p = line.params;
  const last = clean(p[p.length - 1] ?? "");
  switch (line.command) {
    case "001":
      app.nick = p[0];
      break;
    case "005":
      for (const token of p.slice(1, -1)) {
        const m = /^PREFIX=\(([^)]*)\)(.*)$/.exec(token);
        if (m) [app.prefixModes, app.prefixChars] = [m[1], m[2]];
      }
      break;
    case "376":
    case "422":
      return registered();
    case "900":
      app.account = p[2];
      if (app.everReady) {
        system(`Logged in as ${clean(p[2])}.`);
        drawMe();
      }
      break;
    case "903":
      app.saslDone = false;
      if (!app.ready) send("CAP", ["END"]);
      break;
    case "902": case "904": case "905": case "906": case "908":
      app.saslDone = false;
      if (!app.everReady) {
        loginError("password-error", "That password is not right for this nick.");
        return quitQuietly();
      }
      app.password = null; // it failed: not tried again on each reconnection
      app.account = null;
      system("Logging in failed: " + last);
      if (!app.ready) send("CAP", ["END"]);
      break;
    case "432":
    case "433":
    case "436":
      if (!app.ready && (app.everReady || app.account || (app.password != null && !app.register)) && line.command === "433") {
        // Coming back after a drop while the server still holds our old connection, or
        // logging in while the nick is ours on another device: this one takes a variant
        // (the account, and with it read markers, stays the same).
        if (app.password != null) app.account ??= p[1] ?? app.nick;
        app.nick = alternative(p[1] ?? app.nick);
        return send("NICK", [app.nick]);
      }
      if (!app.everReady) {
        loginError("nick-error", line.command === "433" ? "That nick is in use. Pick another." : `That nick is not allowed: ${last}`);
        return quitQuietly();
      }
      system(`${p[1] ?? ""}: ${last}`);
      break;
    case "353": {
      const c = conv(p[2], "room");
      if (c.refreshNames) {
        c.refreshNames = false;
        c.members.clear();
      }
      for (const entry of p[3].split(" ").filter(Boolean)) {
        let i = 0;
        while (i < entry.length && app.prefixChars.includes(entry[i])) i++;
        const nick = entry.slice(i).split("!")[0];
        const old = c.members.get(fold(nick));
        c.members.set(fold(nick), { nick, prefix: entry.slice(0, i), away: old?.away ?? false });
      }
      drawMembers();
      break;
    }
    case "352": {
      const c = app.convs.get(fold(p[1]));
      const member = c?.members.get(fold(p[5]));
      if (member) member.away = (p[6] ?? "").startsWith("G");
      drawMembers();
      break;
    }
    case "332": conv(p[1], "room").topic = p[2] ?? ""; drawTopic(); break;
    case "331": conv(p[1], "room").topic = ""; drawTopic(); break;
    case "333": case "366": case "315": case "329": case "002": case "003": case "004":
    case "375": case "372": case "251": case "252": case "253": case "254": case "255":
    case "265": case "266": case "250": case "396": case "761": case "766": case "770":
    case "771": case "772": case "774": case "901": case "321":
      if (line.command === "761" && p[2] === "color") setColor(p[1], p[4]);
      break;
    case "322": system(`${clean(p[1])} (${p[2]}): ${clean(p[3] ?? "")}`); break;
    case "323": system("End of the room list."); break;
    case "311": system(`${clean(p[1])} is ${clean(p[2])}@${clean(p[3])}: ${clean(p[5] ?? "")}`); break;
    case "319": system(`${clean(p[1])} is in ${clean(p[2])}`); break;
    case "330": system(`${clean(p[1])} is logged in as ${clean(p[2])}`); break;
    case "301": system(`${clean(p[1])} is away: ${last}`); break;
    case "317": system(`${clean(p[1])} has been idle ${p[2]} s`); break;
    case "318": break;
    case "305": case "306": system(last); break;
    default:
      system(p.length > 2 ? `${p.slice(1, -1).map(clean).join(" ")}: ${last}` : last);
  }
}

/** Another nick when ours is in use on another of our devices: ana, ana_, ana_1 ... */
function alternative(nick) {
  if (nick.length < 30) return nick + "_";
  const last = nick[nick.length - 1];
  return nick.slice(0, -1) + (/\d/.test(last) ? String((Number(last) + 1) % 10) : "1");
}

function quitQuietly() {
  app.quitting = true;
  send("QUIT");
  app.ws?.close();
  showLogin();
}

function registered() {
  if (app.ready) return;
  app.ready = true;
  app.attempt = 0;
  if (app.caps.has("draft/metadata-2")) {
    send("METADATA", ["*", "SUB", "color"]);
    if (app.color) send("METADATA", ["*", "SET", "color", app.color]);
    setColor(app.nick, app.color || null);
  }
  if (app.away) send("AWAY", [app.away]);
  if (app.register && !app.account) return send("REGISTER", ["*", app.password]);
  welcome();
}

/** Registered (and logged in or registered as asked): the chat, and the rooms back. */
function welcome() {
  const reconnected = app.everReady;
  if (!app.everReady) enterChat();
  drawMe(); // the nick may be another after a reconnection
  $("banner").hidden = true;
  $("banner").classList.remove("down");
  for (const c of app.convs.values()) {
    if (c.kind === "room") send("JOIN", [c.name]);
    else if (reconnected && c.kind === "dm" && c.messages.some((m) => SPOKEN.has(m.kind)) && app.caps.has("draft/chathistory")) {
      const newest = c.messages.findLast((m) => SPOKEN.has(m.kind));
      history(c, "AFTER", reference(newest), PAGE, 1);
    }
  }
  if (![...app.convs.values()].some((c) => c.kind !== "server")) send("JOIN", ["#lobby"]);
}

// -- messages ---------------------------------------------------------------------------

function conversationOf(line) {
  const target = line.params[0];
  if (isChannel(target)) return target;
  if (me(target)) return line.nick;
  return target; // our own message echoed, or from another of our devices
}

function toMessage(line, kind) {
  let text = line.params[1] ?? "";
  if (kind === "msg" && text.startsWith("\x01ACTION ")) {
    kind = "action";
    text = text.slice(8).replace(/\x01$/, "");
  } else if (text.startsWith("\x01")) return null; // other CTCP: nothing to show
  return {
    kind, nick: line.nick, text: clean(text), time: timeOf(line), id: line.tags.msgid ?? null,
    reply: line.tags["+reply"] ?? line.tags["+draft/reply"] ?? null, own: me(line.nick),
  };
}

function message(line, kind) {
  // The server's own notices (no nick!user@host) are not a conversation.
  if (!line.nick || (kind === "notice" && !line.source.includes("!"))) return system(clean(line.params[1] ?? ""));
  const m = toMessage(line, kind);
  if (!m) return;
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
function add(c, m, { live = true } = {}) {
  if (m.id && c.ids.has(m.id)) return false;
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

function event(c, line, text) {
  add(c, { kind: "event", nick: line.nick, text: clean(text), time: timeOf(line), id: line.tags.msgid ?? null, own: true });
}

function system(text) {
  const c = app.current ? app.convs.get(app.current) : conv("*server*", "server");
  add(c, { kind: "system", nick: "", text, time: new Date(), id: null, own: true });
}

function recount(c) {
  c.unread = c.marker ? c.messages.filter((m) => !m.own && (m.kind === "msg" || m.kind === "action") && m.time > c.marker).length : c.unread;
  if (!c.unread) c.mention = false;
  drawList();
}

let markTimer = null;
function markRead(c) {
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

// -- history ----------------------------------------------------------------------------

/** How CHATHISTORY names message `m`: its msgid (exact), else its time. */
function reference(m) {
  return m.id ? `msgid=${m.id}` : `timestamp=${m.time.toISOString()}`;
}

function history(c, sub, ref, limit, page = 0) {
  labelled("CHATHISTORY", [sub, c.name, ref, String(limit)], { kind: sub, key: c.key, limit, page });
}

function finishBatch(batch) {
  const request = batch.label ? app.labels.get(batch.label) : null;
  if (batch.type === "soju.im/search") return showResults(batch.lines);
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
    for (const m of found) if (m.id) c.ids.set(m.id, m);
    c.messages = found.concat(c.messages);
    c.to += found.length;
  } else for (const m of found) add(c, m, { live: false });
  const added = c.messages.length - before;
  if (request?.kind === "BEFORE") {
    c.loadingOlder = false;
    if (batch.lines.length < request.limit) c.historyDone = true;
    c.from = 0;
  } else if (request?.kind === "AROUND") {
    const at = c.messages.findIndex((m) => m.id === request.msgid);
    c.from = Math.max(0, at - app.renderCap / 2);
    c.to = Math.min(c.messages.length, c.from + app.renderCap);
    c.focus = request.msgid;
  } else {
    c.to = c.messages.length;
    c.from = Math.max(0, c.to - app.renderCap);
    if (request?.kind === "LATEST" && batch.lines.length < request.limit) c.historyDone = true;
    const last = found[found.length - 1];
    if (request?.kind === "AFTER" && batch.lines.length >= request.limit && last && request.page < GAP_PAGES) {
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

function firstRowId() {
  const first = $("log").querySelector(".row[data-index]");
  return first ? app.convs.get(app.current).messages[Number(first.dataset.index)] : null;
}

// -- drawing ----------------------------------------------------------------------------

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

function setColor(target, value) {
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

function recolor() {
  shown.clear();
  for (const span of document.querySelectorAll("[data-nick]")) span.style.color = colorOf(span.dataset.nick);
}

function nickSpan(nick, className = "nick") {
  const span = el("span", className, clean(nick));
  span.dataset.nick = nick;
  span.style.color = colorOf(nick);
  return span;
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

function row(c, m, previous, index) {
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
  if (m.kind === "msg" || m.kind === "notice") {
    body.append(nickSpan(m.nick), m.kind === "notice" ? " (notice) " : " ");
    textInto(body, m.text);
  } else if (m.kind === "action") {
    body.append("* ", nickSpan(m.nick), " ");
    textInto(body, m.text);
  } else body.textContent = m.text;
  li.append(body);
  if (m.id && (m.kind === "msg" || m.kind === "action")) {
    const reply = el("button", "reply", "↩");
    reply.type = "button";
    reply.title = "Reply";
    reply.setAttribute("aria-label", "Reply");
    reply.addEventListener("click", () => startReply(m));
    li.append(reply);
  }
  return li;
}

function render(anchor = null) {
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
      target.scrollIntoView({ block: "center" });
      return;
    }
  }
  if (anchor) {
    const index = c.messages.indexOf(anchor);
    const node = log.querySelector(`[data-index="${index}"]`);
    if (node) return node.scrollIntoView({ block: "start" });
  }
  scrollDown();
}

function atBottom() {
  const log = $("log");
  return log.scrollHeight - log.scrollTop - log.clientHeight < 40;
}
function scrollDown() {
  const log = $("log");
  log.scrollTop = log.scrollHeight;
}

function drawList() {
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
    button.addEventListener("click", () => select(key));
    if (key === app.current) button.setAttribute("aria-current", "true");
    li.append(button);
    items.push(li);
  }
  list.replaceChildren(...items);
  document.title = (total ? `(${total}) ` : "") + "chinwag";
}

function drawMembers() {
  const c = app.convs.get(app.current);
  const items = [];
  if (c && c.kind === "room") {
    const rank = (m) => (m.prefix ? app.prefixChars.indexOf(m.prefix[0]) : app.prefixChars.length);
    const members = [...c.members.values()].sort((a, b) => rank(a) - rank(b) || fold(a.nick).localeCompare(fold(b.nick)));
    for (const m of members) {
      const li = el("li", m.away ? "member away" : "member");
      li.append(el("span", "prefix", m.prefix.slice(0, 1)), nickSpan(m.nick));
      if (m.away) li.append(el("span", "away-mark", " (away)"));
      li.addEventListener("click", () => select(conv(m.nick, "dm").key));
      items.push(li);
    }
  }
  $("member-list").replaceChildren(...items);
}

function drawTopic() {
  const c = app.convs.get(app.current);
  $("conv-name").textContent = c ? clean(c.name) : "";
  $("topic").textContent = c && c.kind === "room" ? clean(c.topic) : "";
}

function drawTyping() {
  const c = app.convs.get(app.current);
  const who = c ? [...c.typing.keys()] : [];
  $("typing").textContent = who.length ? `${who.map(clean).join(", ")} ${who.length > 1 ? "are" : "is"} typing…` : "";
}

function drawMe() {
  const p = $("me");
  p.replaceChildren("You are ", nickSpan(app.nick), app.account ? ` (account ${clean(app.account)})` : "");
}

function select(key) {
  const c = app.convs.get(key);
  if (!c) return;
  app.current = key;
  app.switchOnJoin = null;
  c.divider = c.marker;
  c.from = Math.max(0, c.messages.length - app.renderCap);
  c.to = c.messages.length;
  render();
  markRead(c);
  drawTopic();
  drawMembers();
  drawTyping();
  drawList();
  document.body.classList.remove("drawer-open");
  $("drawer-toggle").setAttribute("aria-expanded", "false");
}

function close(c) {
  app.convs.delete(c.key);
  app.order = app.order.filter((k) => k !== c.key);
  if (app.current === c.key) {
    app.current = null;
    const next = app.order.find((k) => app.convs.get(k)?.kind !== "server");
    if (next) select(next);
    else render();
  }
  drawList();
}

// -- notifications ----------------------------------------------------------------------

function notify(c, m) {
  if (!app.notify || !("Notification" in window) || Notification.permission !== "granted") return;
  if (document.visibilityState === "visible" && c.key === app.current) return;
  const title = c.kind === "dm" ? `${clean(m.nick)} (direct)` : `${clean(m.nick)} in ${clean(c.name)}`;
  const n = new Notification(title, { body: m.text.slice(0, 200), tag: c.key });
  n.onclick = () => {
    window.focus();
    select(c.key);
  };
}

// -- search (soju.im/search) ------------------------------------------------------------

function search(query) {
  const attributes = searchAttributes(query);
  if (attributes) labelled("SEARCH", [`${attributes};limit=50`], { kind: "SEARCH" });
}

function showResults(lines) {
  const items = [];
  app.results = [];
  for (const line of lines) {
    if (line.command !== "PRIVMSG" && line.command !== "NOTICE") continue;
    const m = toMessage(line, "msg");
    if (!m) continue;
    const where = conversationOf(line);
    app.results.push({ where, id: m.id });
    const li = el("li", "result");
    const button = el("button", null);
    button.type = "button";
    const day = m.time.toLocaleDateString(undefined, { day: "numeric", month: "short" });
    button.append(`[${app.results.length}] `, el("span", "where", clean(where)), " ", el("time", "time", `${day} ${hhmm(m.time)}`), " ", nickSpan(m.nick), " ", m.text);
    button.addEventListener("click", () => jump(where, m.id));
    li.append(button);
    items.push(li);
  }
  if (!items.length) items.push(el("li", "none", "Nothing found."));
  $("result-list").replaceChildren(...items);
  $("results").hidden = false;
}

function jump(where, msgid) {
  const c = conv(where);
  select(c.key);
  $("results").hidden = true;
  if (!msgid) return;
  if (c.ids.has(msgid)) {
    const at = c.messages.findIndex((m) => m.id === msgid);
    c.from = Math.max(0, at - app.renderCap / 2);
    c.to = Math.min(c.messages.length, c.from + app.renderCap);
    c.focus = msgid;
    render();
  } else labelled("CHATHISTORY", ["AROUND", c.name, `msgid=${msgid}`, "50"], { kind: "AROUND", key: c.key, limit: 50, msgid });
}

// -- input ------------------------------------------------------------------------------

function startReply(m) {
  app.replyTo = m;
  $("reply-text").replaceChildren("Replying to ", nickSpan(m.nick), `: ${m.text.slice(0, 80)}`);
  $("reply-bar").hidden = false;
  $("input").focus();
}
function endReply() {
  app.replyTo = null;
  $("reply-bar").hidden = true;
}

function say(c, text, action = false) {
  if (!c || c.kind === "server") return system("Join a room first: /join #room");
  const tags = {};
  if (app.replyTo && app.caps.has("message-tags")) tags["+reply"] = app.replyTo.id;
  if (app.caps.has("message-tags")) tags["+typing"] = "done";
  send("PRIVMSG", [c.name, action ? `\x01ACTION ${text}\x01` : text], tags);
  app.typingSent = 0;
  endReply();
  if (!app.caps.has("echo-message")) {
    add(c, { kind: action ? "action" : "msg", nick: app.nick, text: clean(text), time: new Date(), id: null, own: true });
  }
}

function submit(text) {
  const lines = text.split(/\r?\n/);
  const current = app.convs.get(app.current);
  if (text.trim()) {
    app.recall.push(text);
    app.recallAt = app.recall.length;
  }
  // Shift+Enter lines: the first line may be a command, every other line is sent as a
  // message of its own to the current conversation.
  run(parseInput(lines[0]), current, lines[0]);
  for (const more of lines.slice(1)) if (more.trim()) say(current, more);
}

function run(input, c, raw) {
  if (!input) return;
  switch (input.kind) {
    case "Say":
      if (input.to_room && c?.kind !== "room") return system("@all is for rooms.");
      return say(c, input.text);
    case "Action":
      return say(c, input.text, true);
    case "DirectMessage": {
      const dm = conv(input.nick, "dm");
      if (input.text) send("PRIVMSG", [input.nick, input.text]);
      if (input.open || !input.text) select(dm.key);
      return;
    }
    case "Help":
      for (const [usage, does] of HELP) system(`${usage}: ${does}`);
      return system(HELP_FOOTER + " Shift+Enter starts a new line; each line is sent as its own message.");
    case "Online": {
      if (c?.kind !== "room") return system("Not in a room: /join #room");
      const names = [...c.members.values()].map((m) => m.prefix.slice(0, 1) + m.nick + (m.away ? " (away)" : ""));
      return system(`In ${c.name} (${names.length}): ${names.join(", ")}`);
    }
    case "Disconnect":
      app.quitting = true;
      send("QUIT", input.reason ? [input.reason] : []);
      app.ws?.close();
      return showLogin();
    case "Join": {
      const room = isChannel(input.room) ? input.room : "#" + input.room;
      app.switchOnJoin = fold(room);
      const existing = app.convs.get(fold(room));
      if (existing?.joined) return select(existing.key);
      return send("JOIN", input.key ? [room, input.key] : [room]);
    }
    case "Leave": {
      const target = input.room ? app.convs.get(fold(input.room)) : c;
      if (!target) return system("Not in that room.");
      if (target.kind === "room") {
        app.leaving = target.key;
        return send("PART", input.reason ? [target.name, input.reason] : [target.name]);
      }
      return close(target);
    }
    case "ListRooms":
      return send("LIST");
    case "ChangeNick":
      return send("NICK", [input.nick]);
    case "ChangeColor": {
      if (!input.color) {
        const mine = app.color ? colorName(app.color) ?? app.color : "none (from your nick)";
        return system(`Your colour: ${mine}. Choose ${Object.keys(PALETTE).join(", ")} or #rrggbb; /color none for none.`);
      }
      if (input.color.trim().toLowerCase() === "none") {
        app.color = "";
        send("METADATA", ["*", "SET", "color"]);
        return setColor(app.nick, null);
      }
      try {
        app.color = parseColor(input.color);
      } catch (error) {
        if (error instanceof ColorError) return system(error.message);
        throw error;
      }
      send("METADATA", ["*", "SET", "color", app.color]);
      return setColor(app.nick, app.color);
    }
    case "Topic":
      if (c?.kind !== "room") return system("Topics belong to rooms.");
      if (input.text == null) return system(c.topic ? `Topic: ${clean(c.topic)}` : "No topic is set.");
      return send("TOPIC", [c.name, input.text]);
    case "Whois":
      return send("WHOIS", [input.nick]);
    case "SetAway":
      app.away = input.message;
      return send("AWAY", input.message ? [input.message] : []);
    case "Account":
      return askSecret(input);
    case "Search":
      if (!app.caps.has("soju.im/search")) return system("This server does not offer search (soju.im/search)");
      return search(input.query);
    case "Goto": {
      const found = app.results[input.number - 1];
      if (!found) return system(`There is no search result ${input.number}.`);
      return jump(found.where, found.id);
    }
    case "Unknown":
      return system(`${input.command} is not a command (try @help); //text sends /text.`);
    case "Usage":
      return system(input.text);
  }
  void raw;
}

function askSecret(input) {
  app.secretFor = input;
  const secret = $("secret");
  $("input").hidden = true;
  secret.hidden = false;
  secret.value = "";
  secret.placeholder = input.command === "register" ? "Password for your new account" : "Your password";
  secret.focus();
}

function answerSecret() {
  const secret = $("secret");
  const request = app.secretFor;
  const password = secret.value;
  secret.value = "";
  secret.hidden = true;
  $("input").hidden = false;
  app.secretFor = null;
  $("input").focus();
  if (!password) return;
  app.password = password;
  if (request.command === "register") return send("REGISTER", ["*", password]);
  app.account = request.account ?? app.nick;
  send("AUTHENTICATE", ["PLAIN"]);
}

function complete(input) {
  const before = input.value.slice(0, input.selectionStart);
  const m = /(\S*)$/.exec(before);
  const word = m[1];
  if (!word) return;
  const c = app.convs.get(app.current);
  const candidates = before.length === word.length && /^[/@]/.test(word)
    ? COMMAND_NAMES.filter((n) => n.startsWith(word.toLowerCase()))
    : [...(c?.members.values() ?? [])].map((x) => x.nick).filter((n) => fold(n).startsWith(fold(word.replace(/^@/, ""))));
  if (!candidates.length) return;
  let choice = candidates.sort()[0];
  if (word.startsWith("@") && !choice.startsWith("@")) choice = "@" + choice;
  const suffix = before.length === word.length && !choice.startsWith("/") && !choice.startsWith("@") ? ": " : " ";
  const after = input.value.slice(input.selectionStart);
  input.value = before.slice(0, before.length - word.length) + choice + suffix + after;
  const caret = input.value.length - after.length;
  input.setSelectionRange(caret, caret);
}

function cycle(step) {
  const keys = app.order.filter((k) => app.convs.get(k)?.kind !== "server");
  if (!keys.length) return;
  const at = keys.indexOf(app.current);
  select(keys[(at + step + keys.length) % keys.length]);
}

function typing() {
  const c = app.convs.get(app.current);
  const text = $("input").value;
  if (!c || c.kind === "server" || !app.caps.has("message-tags") || /^[/@](?![/@])/.test(text)) return;
  const now = Date.now();
  if (text && now - app.typingSent > TYPING_EVERY) {
    app.typingSent = now;
    send("TAGMSG", [c.name], { "+typing": "active" });
  } else if (!text && app.typingSent) {
    app.typingSent = 0;
    send("TAGMSG", [c.name], { "+typing": "done" });
  }
}

// -- login ------------------------------------------------------------------------------

function loginError(field, text) {
  $(field).textContent = text;
  $(field).closest("form")?.querySelector(`#${field.replace("-error", "")}`)?.setAttribute("aria-invalid", "true");
}

function showLogin() {
  clearInterval(app.countdown);
  $("chat").hidden = true;
  $("login").hidden = false;
  $("login-button").disabled = false;
  app.everReady = false;
  app.convs.clear();
  app.order = [];
  app.current = null;
  document.title = "chinwag";
}

function enterChat() {
  app.everReady = true;
  $("login").hidden = true;
  $("chat").hidden = false;
  remember("chinwag.nick", app.nick);
  remember("chinwag.color", app.color);
  drawMe();
  drawList();
  $("input").focus();
}

// The nick and colour are remembered for next time (never the password); storage may be
// refused (private windows, blocked cookies), which only means nothing is remembered.
function remember(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* not remembered */
  }
}
function recalled(key) {
  try {
    return localStorage.getItem(key) ?? "";
  } catch {
    return "";
  }
}

function swatches() {
  const box = $("swatches");
  for (const [name, hex] of Object.entries(PALETTE)) {
    const b = el("button", "swatch");
    b.type = "button";
    b.title = name;
    b.setAttribute("aria-label", name);
    b.setAttribute("aria-pressed", "false");
    b.dataset.color = hex;
    b.style.backgroundColor = hex;
    b.addEventListener("click", () => pickColor(hex));
    box.append(b);
  }
  $("custom-color").addEventListener("input", (e) => pickColor(e.target.value));
}

function pickColor(hex) {
  app.color = hex;
  for (const b of document.querySelectorAll(".swatch")) b.setAttribute("aria-pressed", String(b.dataset.color === hex));
  if (hex) $("custom-color").value = hex;
  $("nick").style.color = hex ? readable(hex, darkQuery.matches, darkQuery.matches ? BACKGROUND.dark : BACKGROUND.light) : "";
}

function startLogin(event) {
  event.preventDefault();
  for (const p of document.querySelectorAll(".field-error")) p.textContent = "";
  for (const i of document.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
  const nick = $("nick").value.trim();
  const password = $("password").value;
  const register = $("register").checked;
  if (!nick) return loginError("nick-error", "Choose a nick.");
  if (/[\s,*?!@]/.test(nick) || /^[#&:$0-9-]/.test(nick)) return loginError("nick-error", "A nick is one word of letters, digits and - _ [ ] \\ ` ^ { } |.");
  if (register && !password) return loginError("password-error", "Registering needs a password.");
  Object.assign(app, { nick, password: password || null, register, account: null, quitting: false, attempt: 0, saslDone: false });
  $("login-button").disabled = true;
  connect();
}

function init() {
  swatches();
  pickColor(recalled("chinwag.color"));
  $("nick").value = recalled("chinwag.nick");
  $("login-form").addEventListener("submit", startLogin);
  $("compose").addEventListener("submit", (e) => {
    e.preventDefault();
    if (app.secretFor) return answerSecret();
    const input = $("input");
    const text = input.value;
    input.value = "";
    submit(text);
    input.style.height = "";
  });
  $("input").addEventListener("keydown", (e) => {
    const input = e.target;
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $("compose").requestSubmit();
    } else if (e.key === "Tab" && !e.shiftKey && input.value) {
      e.preventDefault();
      complete(input);
    } else if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
      e.preventDefault();
      cycle(e.key === "ArrowUp" ? -1 : 1);
    } else if (e.key === "ArrowUp" && !input.value.slice(0, input.selectionStart).includes("\n") && app.recallAt > 0) {
      e.preventDefault();
      input.value = app.recall[--app.recallAt];
    } else if (e.key === "ArrowDown" && app.recallAt < app.recall.length && !input.value.slice(input.selectionEnd).includes("\n")) {
      e.preventDefault();
      app.recallAt++;
      input.value = app.recall[app.recallAt] ?? "";
    }
  });
  $("input").addEventListener("input", (e) => {
    typing();
    e.target.style.height = "";
    e.target.style.height = Math.min(e.target.scrollHeight, 160) + "px";
  });
  $("secret").addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      $("secret").value = "";
      answerSecret();
    }
  });
  document.addEventListener("keydown", (e) => {
    if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown") && e.target.id !== "input") {
      e.preventDefault();
      cycle(e.key === "ArrowUp" ? -1 : 1);
    }
  });
  $("log").addEventListener("scroll", () => {
    const log = $("log");
    const c = app.convs.get(app.current);
    if (!c) return;
    if (log.scrollTop < 80) {
      if (c.from > 0) {
        const anchor = c.messages[c.from];
        c.from = Math.max(0, c.from - PAGE);
        c.to = Math.min(c.to, c.from + app.renderCap);
        render(anchor);
      } else if (!c.historyDone && !c.loadingOlder && c.messages.length && app.caps.has("draft/chathistory") && c.kind !== "server") {
        c.loadingOlder = true;
        history(c, "BEFORE", reference(c.messages[0]), PAGE);
      }
    } else if (atBottom()) {
      if (c.to < c.messages.length) {
        c.to = Math.min(c.messages.length, c.to + PAGE);
        c.from = Math.max(c.from, c.to - app.renderCap);
        const top = log.scrollTop;
        render(c.messages[c.from]);
        log.scrollTop = top;
      } else if (c.unread) markRead(c);
    }
  });
  document.addEventListener("visibilitychange", () => {
    const c = app.convs.get(app.current);
    if (document.visibilityState === "visible" && c && atBottom()) markRead(c);
  });
  $("reply-cancel").addEventListener("click", endReply);
  $("drawer-toggle").addEventListener("click", () => {
    const open = document.body.classList.toggle("drawer-open");
    $("drawer-toggle").setAttribute("aria-expanded", String(open));
  });
  document.addEventListener("click", (e) => {
    // A tap outside an open drawer or member panel closes it.
    if (!e.target.closest("#sidebar, #drawer-toggle, #members, #members-toggle")) {
      document.body.classList.remove("drawer-open", "members-open");
      $("drawer-toggle").setAttribute("aria-expanded", "false");
      $("members-toggle").setAttribute("aria-expanded", "false");
    }
  });
  $("members-toggle").addEventListener("click", () => {
    const open = document.body.classList.toggle("members-open");
    $("members-toggle").setAttribute("aria-expanded", String(open));
  });
  $("reconnect-now").addEventListener("click", () => connect());
  $("notify-toggle").addEventListener("click", async () => {
    if (!("Notification" in window)) return system("This browser has no notifications.");
    if (!app.notify) {
      const answer = await Notification.requestPermission();
      app.notify = answer === "granted";
    } else app.notify = false;
    $("notify-toggle").textContent = app.notify ? "Stop notifications" : "Notify me of mentions";
  });
  $("search-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = $("search").value.trim();
    if (text) search(text);
  });
  $("results-close").addEventListener("click", () => ($("results").hidden = true));
  darkQuery.addEventListener("change", recolor);
}

// What the benchmark drives: a line as if the server had sent it, and a switch.
app.receiveLine = (raw) => receive(parseLine(raw));
app.select = (name) => select(fold(name));

init();
