// Moderation from the page, as the Python clients do it (chinwag/client/moderation.py):
// /kick, /kickban, /ban, /unban, /mute, /unmute, /op, /deop, /voice, /devoice, /invite and
// /mode in the room on screen, a ban or mute by nick going by account when the WHOIS says
// the person is logged in (a:<account>, IRCv3 account-extban), else by host (*!*@host), a
// mute behind the server's m: extban. And what the person concerned is told in words:
// kicked, banned, muted, voiced, made an operator, and why a message was refused (Modern IRC
// ERR_CANNOTSENDTOCHAN and the other numerics). Every string from the network is cleaned.
import { app, me, isChannel } from "./state.js";
import { send } from "./connection.js";
import { clean, fold } from "./irc.js";
import { system, add } from "./messages.js";

const MASK = /[!@*?:]/; // characters no nick has: the target is a mask, used as given
const STATUS = { op: "+o", deop: "-o", voice: "+v", devoice: "-v" };
const LISTS = { ban: [true, false], kickban: [true, false], unban: [false, false], mute: [true, true], unmute: [false, true] };
const waiting = new Map(); // folded nick -> { jobs, user, host, account, found }: bans waiting for WHOIS
let ownSource = ""; // our nick!user@host as the server shows it, from a line we sent

/** Remember our own nick!user@host from a line whose source is us (a ban by host matches it). */
export function heardSelf(line) {
  if (line.source?.includes("!") && me(line.nick)) ownSource = line.source;
}

function inRoom(c, what) {
  if (c?.kind === "room" && c.joined) return c.name;
  system(`${what} works in a room you are in: go to the room first`);
  return null;
}

/** Run a Moderate, Invite or SetMode input (irc.js parseInput) in conversation `c`. */
export function moderate(input, c) {
  if (input.kind === "Invite") {
    let room = input.room && !isChannel(input.room) ? "#" + input.room : input.room;
    room ??= inRoom(c, "/invite without a room");
    if (room) send("INVITE", [input.nick, room]);
    return;
  }
  if (input.kind === "SetMode") {
    const room = input.room ?? inRoom(c, "/mode without a room");
    if (room) send("MODE", [room, ...input.modes.split(/\s+/).filter(Boolean)]);
    return;
  }
  const { action, target, reason } = input;
  const room = inRoom(c, `/${action}`);
  if (!room) return;
  if (action === "kick") return send("KICK", reason ? [room, target, reason] : [room, target]);
  if (STATUS[action]) return send("MODE", [room, STATUS[action], target]);
  if (MASK.test(target)) {
    if (action === "kickban") return system("/kickban needs a nick: /ban <mask> bans a mask");
    return setList(action, room, [target]);
  }
  const key = fold(target);
  if (!waiting.has(key)) waiting.set(key, { jobs: [], user: null, host: null, account: null, found: false });
  waiting.get(key).jobs.push({ action, room, nick: target, reason });
  send("WHOIS", [target]);
}

function setList(action, room, masks) {
  const [adding, mute] = LISTS[action];
  if (mute) masks = masks.map((m) => (m.slice(0, 2).toLowerCase() === "m:" ? m : "m:" + m));
  if (adding) masks = masks.slice(0, 1); // the best: by account when logged in
  send("MODE", [room, (adding ? "+" : "-") + "b".repeat(masks.length), ...masks]);
}

/** A WHOIS reply (311, 330, 401, 318) for a ban or mute waiting on it: used, and true (not
 * shown); false for anyone else's. */
export function whoisReply(line) {
  const p = line.params;
  const entry = waiting.get(fold(p[1] ?? ""));
  if (!entry) return false;
  if (line.command === "311") [entry.found, entry.user, entry.host] = [true, p[2], p[3]];
  else if (line.command === "330") entry.account = p[2];
  else if (line.command === "318") {
    waiting.delete(fold(p[1]));
    for (const job of entry.jobs) {
      if (!entry.found) {
        system(`No such nick: ${clean(job.nick)} is not online (/${job.action} <mask> for a mask)`);
        continue;
      }
      const byHost = entry.host ? `*!*@${entry.host}` : `${p[1]}!*@*`;
      setList(job.action, job.room, entry.account ? [`a:${entry.account}`, byHost] : [byHost]);
      if (job.action === "kickban") send("KICK", job.reason ? [job.room, p[1], job.reason] : [job.room, p[1]]);
    }
  }
  return true; // the whole WHOIS was asked by the page, not the person
}

/** The KICK line's words: "bo kicked you from #room: reason" for us. */
export function kickedWords(line) {
  const [room, nick, reason] = line.params.map(clean);
  if (me(line.params[1] ?? "")) {
    return `${clean(line.nick)} kicked you from ${room}${reason ? ": " + reason : ""} (/join ${room} to try to go back)`;
  }
  return `${nick} was removed by ${clean(line.nick)}` + (reason ? ` (${reason})` : "");
}

function globMatch(mask, text) {
  const pattern = fold(mask).replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${pattern}$`, "s").test(fold(text));
}

function matchesMe(mask) {
  if (mask.slice(0, 2).toLowerCase() === "a:") return !!app.account && globMatch(mask.slice(2), app.account);
  return !!ownSource && globMatch(mask, ownSource);
}

const STATUS_WORDS = {
  "+v": "{by} gave you voice in {room}: you may speak even while it is moderated",
  "-v": "{by} took your voice in {room}",
  "+o": "{by} made you an operator of {room}",
  "-o": "{by} took your operator status in {room}",
  "+h": "{by} made you a half-operator of {room}",
  "-h": "{by} took your half-operator status in {room}",
};
const BAN_WORDS = {
  "+b": "{by} banned you from {room}: you cannot speak there or join it again",
  "-b": "{by} lifted your ban in {room}",
  "+m:": "{by} muted you in {room}: what you say there is not sent",
  "-m:": "{by} unmuted you in {room}: you may speak again",
};
const ROOM_WORDS = {
  "+m": "{room} is now moderated (+m): only voiced people and operators may speak",
  "-m": "{room} is no longer moderated: everyone may speak",
  "+i": "{room} is now invitation only (+i)",
  "-i": "{room} is no longer invitation only",
};

/** Sentences for a room's MODE line that concern us (as chinwag.client.moderation says them),
 * filed in conversation `c`. */
export function modeNotes(c, line) {
  const [room, modes = "", ...args] = line.params;
  const by = clean(line.nick ?? "");
  let sign = "+";
  for (const letter of modes) {
    if (letter === "+" || letter === "-") {
      sign = letter;
      continue;
    }
    const takes = app.prefixModes.includes(letter) || "beIk".includes(letter) || (letter === "l" && sign === "+");
    const param = takes ? args.shift() ?? "" : "";
    let words = null;
    if (app.prefixModes.includes(letter) && me(param)) words = STATUS_WORDS[sign + letter];
    else if (letter === "b" && param) {
      const mute = param.slice(0, 2).toLowerCase() === "m:";
      if (matchesMe(mute ? param.slice(2) : param)) words = BAN_WORDS[sign + (mute ? "m:" : "b")];
    } else if (!me(line.nick ?? "")) words = ROOM_WORDS[sign + letter];
    if (words) note(c, words.replace("{by}", by).replace("{room}", clean(room)));
  }
}

function note(c, text) {
  add(c, { kind: "system", nick: "", text, time: new Date(), id: null, own: true });
}

const REFUSALS = [
  ["muted", "You are muted in {room}: your message was not sent"],
  ["banned", "You are banned from {room}: your message was not sent"],
  ["+m", "{room} is moderated (+m): you need voice to speak there"],
  ["no external", "You are not in {room} (+n: only its members may write to it)"],
  ["not a member", "You are not in {room}: your message was not sent"],
  ["ctcp", "{room} takes no CTCP (+C): not sent"],
  ["+r", "{room} is for people logged in to an account (+R): /login first"],
];

/** A numeric of moderation in words (as chinwag.client.wording says them), or null. */
export function replyWords(line) {
  const p = line.params.map(clean);
  const [first = "?", second = "?"] = p.slice(1);
  const last = p[p.length - 1] ?? "";
  switch (line.command) {
    case "404": {
      const found = REFUSALS.find(([needle]) => last.toLowerCase().includes(needle));
      return found ? found[1].replace("{room}", first) : `Your message to ${first} was not sent: ${last}`;
    }
    case "482": return `You are not a channel operator in ${first}: only its operators may do that`;
    case "441": return `${first} is not in ${second}`;
    case "443": return `${first} is already in ${second}`;
    case "341": return `You invited ${first} to ${second}`;
    case "401": return `${first} is not online`;
    case "473": return `${first} is invitation only: ask someone in it`;
    case "474": return `You are banned from ${first}`;
    case "478": return `The ban list of ${first} is full`;
    default: return null;
  }
}
