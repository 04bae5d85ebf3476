// What the server says: each line (or a batch of them) to its handler, and the numerics.
import { app, conv, me } from "./state.js";
import { send, setFloodLimits } from "./connection.js";
import { fold, clean, multilineText } from "./irc.js";
import { REGISTRATION_HANDLERS, alternative, quitQuietly, registered, welcome } from "./registration.js";
import { message, event, system, conversationOf, recount, redact } from "./messages.js";
import { history, reference, finishBatch, PAGE, LATEST_ON_JOIN, SPOKEN } from "./history.js";
import { drawTyping, drawMembers, drawMe, drawTopic, render, setColor } from "./draw.js";
import { select, close, rename } from "./select.js";
import { loginError } from "./login.js";
import { heardSelf, kickedWords, modeNotes, replyWords, whoisReply } from "./moderation.js";

const TYPING_SHOWN = 6000;

export function receive(line) {
  heardSelf(line);
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

/** A closed draft/multiline batch (https://ircv3.net/specs/extensions/multiline) as the one
 * message it is: its lines joined (a line feed between them unless concatenated), with the
 * tags of the opening BATCH; filed in the history batch it came in, or handled as live. */
function multiline(batch) {
  const lines = batch.lines.filter((l) => l.command === "PRIVMSG" || l.command === "NOTICE");
  if (!lines.length || !lines.some((l) => l.params[1])) return;
  const opening = batch.opening;
  const text = multilineText(lines.map((l) => ({ text: l.params[1] ?? "", concat: "draft/multiline-concat" in l.tags })));
  const whole = { ...opening, command: lines[0].command, params: [batch.params[0], text.replace(/^\n+|\n+$/g, "")] };
  const parent = opening.tags.batch ? app.batches.get(opening.tags.batch) : null;
  if (parent?.collect) parent.lines.push(whole);
  else HANDLERS[whole.command](whole);
}

const HANDLERS = {
  ...REGISTRATION_HANDLERS,
  PING(line) {
    send("PONG", line.params);
  },
  CHANLIMITS(line) {
    // draft/channel-flood-limits: the network's `user:message=<count>/<duration>` paces us.
    if (line.params[0] !== "*") return;
    if (line.params[1] === "*") return setFloodLimits(1e9, 1); // no limits for us
    for (const param of line.params.slice(1)) {
      const [scope, limits = ""] = param.split(/:(.*)/s);
      if (scope !== "user") continue;
      for (const item of limits.split(",")) {
        const m = /^message=(\d+)\/(\d+)$/.exec(item);
        if (m && +m[1] > 0 && +m[2] > 0) setFloodLimits(+m[1], +m[2]);
      }
    }
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
      const collect = ["chathistory", "draft/chathistory", "draft/chathistory-targets", "soju.im/search", "draft/multiline"].includes(type);
      // draft/chathistory-end: the server's last page that way (nothing more to ask for).
      const end = "draft/chathistory-end" in line.tags;
      app.batches.set(ref, { type, params, label, lines: [], collect, end, opening: line });
    } else {
      const batch = app.batches.get(ref);
      app.batches.delete(ref);
      if (batch?.type === "draft/multiline") return multiline(batch);
      if (batch && batch.collect) finishBatch(batch);
      if (batch?.label) app.labels.delete(batch.label);
    }
  },
  PRIVMSG: (line) => message(line, "msg"),
  REDACT: redact,
  RENAME(line) {
    const [old, name, reason] = line.params;
    const c = old ? app.convs.get(fold(old)) : null;
    if (!c || !name || c.kind !== "room") return;
    rename(c, name);
    event(c, line, `${line.nick} renamed ${old} to ${name}` + (reason ? ` (${reason})` : ""));
  },
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
      // Opened only if this page asked for it (/join, or the first room of a login) or has
      // nothing open and asked for nothing: a JOIN it did not ask for (another device of the
      // account joined, or the rooms of the account's user this page attached to) is listed,
      // never switched to.
      if (app.switchOnJoin === c.key || (!app.current && !app.switchOnJoin)) select(c.key);
      send("WHO", [room]); // who is away, and who is a bot (IRCv3 bot-mode), answered silently
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
    event(c, line, kickedWords(line)); // for us: who kicked us and why, the room marked left
    if (me(line.params[1]) && c.key !== app.current) system(kickedWords(line));
    drawMembers();
  },
  QUIT(line) {
    const key = fold(line.nick);
    app.bots.delete(key); // whoever takes the nick next is not known to be a bot
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
    if (app.bots.delete(fold(old))) app.bots.add(fold(nick)); // a bot by another name
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
    modeNotes(c, line); // voiced, muted, banned... in words
    // Who is an op or voiced may have changed: ask for the names again.
    c.refreshNames = true;
    send("NAMES", [c.name]);
  },
  INVITE(line) {
    const room = line.params[1] ?? "";
    system(`${clean(line.nick)} invites you to ${clean(room)}: /join ${clean(room)}`);
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
      const nameCodes = ["ACCOUNT_EXISTS", "BAD_ACCOUNT_NAME", "ACCOUNT_NAME_MUST_BE_NICK", "NEED_NICK"];
      loginError(nameCodes.includes(code) ? "nick-error" : "password-error", text);
      return quitQuietly();
    }
    if (command === "METADATA" && !app.everReady) loginError("color-error", text);
    system(`${command}: ${text}`);
  },
};
HANDLERS.WARN = HANDLERS.NOTE = (line) => system(clean(line.params[line.params.length - 1]));

const JOIN_REFUSALS = new Set(["403", "405", "471", "473", "474", "475", "476", "477"]);

/** A JOIN refused: the room asked for will not open. With nothing open, a room already
 * joined (listed as another device's) opens instead, else the next JOIN may. */
function joinRefused(room) {
  if (app.switchOnJoin !== fold(room)) return;
  app.switchOnJoin = null;
  const joined = app.order.find((k) => app.convs.get(k)?.joined);
  if (!app.current && joined) select(joined);
}

function numeric(line) {
  const p = line.params;
  const last = clean(p[p.length - 1] ?? "");
  const whois = ["311", "312", "313", "317", "301", "319", "320", "330", "335", "338", "378", "379", "671", "276", "401", "318"];
  if (whois.includes(line.command) && whoisReply(line)) return; // asked by /ban or /mute
  if (JOIN_REFUSALS.has(line.command)) joinRefused(p[1] ?? "");
  const words = replyWords(line);
  const shown = app.convs.get(app.current)?.messages.at(-1);
  if (line.command === "404" && shown?.kind === "system" && shown.text === words) return; // a typing notice refused, then the message
  if (words) return system(words);
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
      // IRCv3 bot-mode: "B" among the flags after H/G.
      if ((p[6] ?? "").slice(1).includes("B")) app.bots.add(fold(p[5] ?? ""));
      else app.bots.delete(fold(p[5] ?? ""));
      drawMembers();
      break;
    }
    case "335": app.bots.add(fold(p[1] ?? "")); drawMembers(); system(`${clean(p[1] ?? "")} ${last}`); break;
    case "332": conv(p[1], "room").topic = p[2] ?? ""; drawTopic(); break;
    case "331": conv(p[1], "room").topic = ""; drawTopic(); break;
    case "333": case "366": case "315": case "329": case "002": case "003": case "004":
    case "375": case "372": case "251": case "252": case "253": case "254": case "255":
    case "265": case "266": case "250": case "396": case "761": case "766": case "770":
    case "771": case "772": case "774": case "901": case "321":
      // draft/metadata-3 tells of changes with these: 761 a value, 766 a removed key.
      if (line.command === "761" && p[2] === "color") setColor(p[1], p[4]);
      if (line.command === "766" && p[2] === "color") setColor(p[1], null);
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
    case "403": case "405": case "471": case "473": case "474": case "475": case "476": case "477":
      system(`${p.slice(1, -1).map(clean).join(" ")}: ${last}`);
      break;
    default:
      system(p.length > 2 ? `${p.slice(1, -1).map(clean).join(" ")}: ${last}` : last);
  }
}
