// Input: what is typed (messages, commands, replies, the password prompt), completion and
// the typing notice.
import { app, conv, isChannel } from "./state.js";
import { $ } from "./dom.js";
import { send } from "./connection.js";
import { fold, clean, cleanMessage, colorName, parseColor, parseInput, ColorError } from "./irc.js";
import { multilineLimits, multilineLines, multilineBatches } from "./irc.js";
import { PALETTE, HELP, HELP_FOOTER, COMMAND_NAMES } from "./shared.js";
import { system, add } from "./messages.js";
import { nickSpan, setColor } from "./draw.js";
import { select, close } from "./select.js";
import { showLogin } from "./login.js";
import { search, jump } from "./search.js";
import { moderate } from "./moderation.js";

const TYPING_EVERY = 3000;

export function startReply(m) {
  app.replyTo = m;
  $("reply-text").replaceChildren("Replying to ", nickSpan(m.nick), `: ${m.text.slice(0, 80)}`);
  $("reply-bar").hidden = false;
  $("input").focus();
}
export function endReply() {
  app.replyTo = null;
  $("reply-bar").hidden = true;
}

function say(c, text, action = false) {
  if (!c || c.kind === "server") return system("Join a room first: /join #room");
  const tags = {};
  if (app.replyTo && app.caps.has("message-tags")) tags["+reply"] = app.replyTo.id;
  if (app.caps.has("message-tags")) tags["+typing"] = "done";
  // Several lines, or one too long for a line: one multiline message when the server can.
  const long = text.includes("\n") || new TextEncoder().encode(text).length > MULTILINE_ROOM;
  const texts = action || !long ? [text] : sendMultiline(c.name, text, tags);
  const sent = texts.length > 1 ? texts.filter((one) => one.trim()) : texts;
  for (const one of sent) send("PRIVMSG", [c.name, action ? `\x01ACTION ${one}\x01` : one], tags);
  app.typingSent = 0;
  endReply();
  if (!app.caps.has("echo-message")) {
    // Our own message as the server would echo it: one multiline message, or each line.
    const shown = texts.length ? sent : [text.replace(/^\s*\n|\n\s*$/g, "")];
    for (const one of shown) add(c, { kind: action ? "action" : "msg", nick: app.nick, text: cleanMessage(one), time: new Date(), id: null, own: true });
  }
}

// Room for a line's text, leaving space for the prefix the server puts in front when it
// relays it (the multiline spec's worst case: "353 bytes for each message").
const MULTILINE_ROOM = 350;

/** Send `text` (several lines) to `target` as draft/multiline batches if the server takes
 * them (https://ircv3.net/specs/extensions/multiline): `tags` on the first opening BATCH, a
 * batch of one line as a plain message. Returns the lines left to send one by one (all of
 * them without the capability). */
function sendMultiline(target, text, tags) {
  if (!(app.caps.has("draft/multiline") && app.caps.has("batch"))) return text.split("\n");
  const [maxBytes, maxLines] = multilineLimits(app.offered.get("draft/multiline"));
  const lines = multilineLines(text, MULTILINE_ROOM);
  multilineBatches(lines, maxBytes, maxLines).forEach((group, index) => {
    const first = index === 0 ? tags : null;
    if (group.length === 1) return send("PRIVMSG", [target, group[0].text], first);
    const ref = "ml" + ++app.labelSeq;
    send("BATCH", ["+" + ref, "draft/multiline", target], first);
    for (const line of group) {
      send("PRIVMSG", [target, line.text], line.concat ? { batch: ref, "draft/multiline-concat": "" } : { batch: ref });
    }
    send("BATCH", ["-" + ref]);
  });
  return [];
}

export function submit(text) {
  const lines = text.split(/\r?\n/);
  const current = app.convs.get(app.current);
  if (text.trim()) {
    app.recall.push(text);
    app.recallAt = app.recall.length;
  }
  // Shift+Enter lines: the first line may be a command; a message of several lines is one
  // multiline message (each line its own message if the server cannot take those).
  const first = parseInput(lines[0]);
  if (lines.length > 1 && first?.kind === "Say" && !first.to_room) {
    return say(current, [first.text, ...lines.slice(1)].join("\n"));
  }
  run(first, current, lines[0]);
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
      return system(HELP_FOOTER + " Shift+Enter starts a new line; the lines are sent as one message.");
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
    case "Moderate":
    case "Invite":
    case "SetMode":
      return moderate(input, c);
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

export function answerSecret() {
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

export function complete(input) {
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

export function typing() {
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
