// The page's pure functions: IRC lines, text cleaning, colours and the command parser.
// No DOM and no connection here; they mirror chinwag.client (text.py, colors.py,
// commands.py) and tests/web/test_shared.py runs both over the same inputs.
import { PALETTE, NICK_COLORS, MIN_CONTRAST, COMMAND_NAMES } from "./shared.js";
import { MODERATION_USAGE, MODERATION_REASONS, MODE_USAGE } from "./shared.js";

// -- IRC lines (https://modern.ircdocs.horse, message tags: https://ircv3.net/specs/extensions/message-tags)

const TAG_UNESCAPES = { ":": ";", s: " ", "\\": "\\", r: "\r", n: "\n" };

export function unescapeTag(value) {
  return value.replace(/\\(.?)/gs, (_, c) => (c in TAG_UNESCAPES ? TAG_UNESCAPES[c] : c));
}

export function escapeTag(value) {
  return value.replace(/[\\; \r\n]/g, (c) => ({ "\\": "\\\\", ";": "\\:", " ": "\\s", "\r": "\\r", "\n": "\\n" })[c]);
}

/** One line as {tags, source, nick, command, params}. */
export function parseLine(raw) {
  const line = { tags: {}, source: "", nick: "", command: "", params: [] };
  let rest = raw;
  const word = () => {
    const at = rest.indexOf(" ");
    const w = at < 0 ? rest : rest.slice(0, at);
    rest = at < 0 ? "" : rest.slice(at + 1).replace(/^ +/, "");
    return w;
  };
  if (rest.startsWith("@")) {
    for (const part of word().slice(1).split(";")) {
      if (!part) continue;
      const eq = part.indexOf("=");
      if (eq < 0) line.tags[part] = "";
      else line.tags[part.slice(0, eq)] = unescapeTag(part.slice(eq + 1));
    }
  }
  if (rest.startsWith(":")) {
    line.source = word().slice(1);
    line.nick = line.source.split("!")[0];
  }
  line.command = word().toUpperCase();
  while (rest) {
    if (rest.startsWith(":")) {
      line.params.push(rest.slice(1));
      break;
    }
    line.params.push(word());
  }
  return line;
}

/** A line to send: `command` and its parameters, the last one trailing when it must be;
 * `tags` is an object of client tags. Line breaks and NUL are never sent inside a parameter. */
export function buildLine(command, params = [], tags = null) {
  const safe = params.map((p) => String(p).replace(/[\r\n\0]/g, " "));
  const parts = [command];
  safe.forEach((p, i) => {
    const last = i === safe.length - 1;
    parts.push(last && (p === "" || p.includes(" ") || p.startsWith(":")) ? ":" + p : p);
  });
  let text = parts.join(" ");
  if (tags && Object.keys(tags).length) {
    const t = Object.entries(tags).map(([k, v]) => (v === "" || v == null ? k : `${k}=${escapeTag(String(v))}`));
    text = "@" + t.join(";") + " " + text;
  }
  return text;
}

// -- casemapping (CASEMAPPING=ascii)

export function fold(name) {
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

// -- text cleaning, as chinwag.client.text.clean

const SEQUENCES = new RegExp(
  [
    "(?:\\x1b\\[|\\x9b)[\\x30-\\x3f]*[\\x20-\\x2f]*[\\x40-\\x7e]?",
    "(?:\\x1b\\]|\\x9d)[^]*?(?:\\x07|\\x1b\\\\|\\x9c|$)",
    "(?:\\x1b[PX^_]|[\\x90\\x98\\x9e\\x9f])[^]*?(?:\\x1b\\\\|\\x9c|$)",
    "\\x1b[\\x20-\\x2f]*[\\x30-\\x7e]?",
    "\\x03(?:[0-9]{1,2}(?:,[0-9]{1,2})?)?",
    "\\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?",
  ].join("|"),
  "g",
);
const SPACES = /[\t\r\n\u2028\u2029]/g;
const CONTROLS = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/** Network text made safe to show: escape sequences, mIRC codes, controls and bidi
 * overrides removed, line breaks and tabs made spaces. */
export function clean(text) {
  return String(text).replace(SEQUENCES, "").replace(SPACES, " ").replace(CONTROLS, "");
}

/** A message's text made safe to show, keeping the line breaks of a multiline message
 * (draft/multiline), as chinwag.client.text.clean_message. */
export function cleanMessage(text) {
  return String(text).split("\n").map(clean).join("\n");
}

/** A message's text cleaned as cleanMessage cleans it, with the runs sent as monospace
 * (\x11 starts or ends one, \x0f ends it) as [start, end] offsets into the cleaned text,
 * as chinwag.client.text.clean_monospace. Each run is cleaned on its own. */
export function cleanMonospace(text) {
  text = String(text);
  if (!text.includes("\x11")) return { text: cleanMessage(text), mono: [] };
  const pieces = [];
  const mono = [];
  let length = 0;
  let inMono = false;
  let start = 0;
  for (const match of (text + "\x0f").matchAll(/[\x11\x0f]/g)) {
    const piece = cleanMessage(text.slice(start, match.index));
    if (inMono && piece) {
      const last = mono.at(-1);
      if (last && last[1] === length) last[1] = length + piece.length; // runs that touch are one
      else mono.push([length, length + piece.length]);
    }
    pieces.push(piece);
    length += piece.length;
    inMono = match[0] === "\x11" && !inMono;
    start = match.index + 1;
  }
  return { text: pieces.join(""), mono };
}

// -- multiline messages (https://ircv3.net/specs/extensions/multiline), as chinwag.protocol.multiline

const utf8 = (text) => new TextEncoder().encode(text).length;

/** `max-bytes` and `max-lines` (null: none) of the draft/multiline capability value. */
export function multilineLimits(value) {
  const keys = new Map((value || "").split(",").map((item) => {
    const at = item.indexOf("=");
    return at < 0 ? [item, ""] : [item.slice(0, at), item.slice(at + 1)];
  }));
  const positive = (v) => (/^\d+$/.test(v ?? "") && +v > 0 ? +v : null);
  return [positive(keys.get("max-bytes")) ?? 4096, positive(keys.get("max-lines"))];
}

/** The lines to send for `text`: one per typed line (blank ones at the edges dropped), a
 * line over `room` UTF-8 bytes cut after a space where it can be, the pieces after the first
 * `concat`. As split_text in chinwag.protocol.multiline. */
export function multilineLines(text, room) {
  const rows = String(text).replace(/\r\n?/g, "\n").split("\n");
  while (rows.length && !rows[rows.length - 1].trim()) rows.pop();
  while (rows.length && !rows[0].trim()) rows.shift();
  const lines = [];
  for (let row of rows) {
    let concat = false;
    while (utf8(row) > room) {
      let end = 0;
      let used = 0;
      for (const char of row) {
        const width = utf8(char);
        if (used + width > room) break;
        used += width;
        end += char.length;
      }
      if (!end) end = row.codePointAt(0) > 0xffff ? 2 : 1; // a character wider than the room
      const space = row.lastIndexOf(" ", end - 1);
      if (space >= 0 && space >= Math.floor(end / 2)) end = space + 1;
      lines.push({ text: row.slice(0, end), concat });
      row = row.slice(end);
      concat = true;
    }
    if (!concat || row) lines.push({ text: row, concat });
  }
  return lines;
}

/** `lines` in batches within the limits; a batch never starts with a concatenated line. */
export function multilineBatches(lines, maxBytes, maxLines) {
  const groups = [];
  let used = 0;
  for (const line of lines) {
    const cost = utf8(line.text);
    const current = groups[groups.length - 1];
    if (current) {
      const joined = cost + (line.concat ? 0 : 1);
      if (!(maxLines != null && current.length >= maxLines) && used + joined <= maxBytes) {
        current.push(line);
        used += joined;
        continue;
      }
    }
    groups.push([{ text: line.text, concat: false }]);
    used = cost;
  }
  return groups;
}

/** The message `lines` make: joined by a line feed unless concatenated. */
export function multilineText(lines) {
  return lines.map((line, i) => (i && !line.concat ? "\n" : "") + line.text).join("");
}

// -- colours, as chinwag.client.colors

const BY_COMPACT = Object.fromEntries(Object.keys(PALETTE).map((n) => [n.replace(/ /g, ""), n]));

export class ColorError extends Error {}

const choices = () => `a name (${Object.keys(PALETTE).join(", ")}) or #rrggbb`;

export function parseColor(text) {
  const stripped = text.trim();
  if (!stripped) throw new ColorError(`No colour given: use ${choices()}`);
  const lowered = stripped.toLowerCase();
  const name = BY_COMPACT[lowered.replace(/[\s_-]+/g, "")];
  if (name !== undefined) return PALETTE[name];
  let m = /^#?([0-9a-f]{6})$/.exec(lowered);
  if (m) return "#" + m[1];
  m = /^#([0-9a-f]{3})$/.exec(lowered);
  if (m) return "#" + [...m[1]].map((d) => d + d).join("");
  throw new ColorError(`Unknown colour '${stripped}': use ${choices()}`);
}

export function colorName(hex) {
  return Object.keys(PALETTE).find((n) => PALETTE[n] === hex.toLowerCase()) ?? null;
}

let crcTable = null;
function crc32(bytes) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const b of bytes) crc = crcTable[(crc ^ b) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The colour of someone who chose none: stable for every spelling of the nick. */
export function nickColor(nick) {
  return NICK_COLORS[crc32(new TextEncoder().encode(fold(nick))) % NICK_COLORS.length];
}

const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
const linear = (c) => {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
};
export function luminance(color) {
  const [r, g, b] = rgb(parseColor(color));
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}
export function contrastRatio(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
function blend(start, target, amount) {
  const a = rgb(start);
  const b = rgb(target);
  // Python's round() rounds halves to even: so does this, so both clients agree exactly.
  const roundEven = (x) => {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  };
  return "#" + a.map((c, i) => roundEven(c + (b[i] - c) * amount).toString(16).padStart(2, "0")).join("");
}

/** `color` adjusted to have at least MIN_CONTRAST against `background`. */
export function readable(color, dark, background = null) {
  const start = parseColor(color);
  const against = parseColor(background ?? (dark ? "#000000" : "#ffffff"));
  if (contrastRatio(start, against) >= MIN_CONTRAST) return start;
  const ends = dark ? ["#ffffff", "#000000"] : ["#000000", "#ffffff"];
  for (const target of ends) {
    if (contrastRatio(target, against) < MIN_CONTRAST) continue;
    for (let step = 1; step <= 50; step++) {
      const candidate = blend(start, target, step / 50);
      if (contrastRatio(candidate, against) >= MIN_CONTRAST) return candidate;
    }
  }
  return ends.reduce((x, y) => (contrastRatio(y, against) > contrastRatio(x, against) ? y : x));
}

// -- what a person typed, as chinwag.client.commands.parse_input (same field names)

const strip = (s) => s.replace(/^\s+|\s+$/gu, "");
const lstrip = (s) => s.replace(/^\s+/u, "");
function partition(s, sep) {
  const at = s.indexOf(sep);
  return at < 0 ? [s, ""] : [s.slice(0, at), s.slice(at + sep.length)];
}
function split(rest) {
  const [word, tail] = partition(strip(rest), " ");
  return [word, strip(tail)];
}
const usage = (text) => ({ kind: "Usage", text });

export function parseInput(line) {
  if (!strip(line)) return null;
  if (line.startsWith("//") || line.startsWith("@@")) return { kind: "Say", text: line.slice(1), to_room: false };
  if (line.startsWith("/")) return slash(line.slice(1));
  if (line.startsWith("@") && line.length > 1 && !/\s/u.test(line[1])) return at(line.slice(1));
  return { kind: "Say", text: line, to_room: false };
}

function at(rest) {
  const [word, tail] = split(rest);
  const name = word.toLowerCase();
  if (name === "help") return { kind: "Help" };
  if (name === "online") return { kind: "Online" };
  if (name === "disconnect") return { kind: "Disconnect", reason: tail || null };
  if (name === "all") return tail ? { kind: "Say", text: tail, to_room: true } : usage("@all <text>: message the whole room");
  return { kind: "DirectMessage", nick: word, text: lstrip(partition(strip(rest), " ")[1]), open: false };
}

function slash(rest) {
  const [word, tail] = split(rest);
  const name = word.toLowerCase();
  const simple = { help: "Help", who: "Online", names: "Online", list: "ListRooms" };
  if (Object.hasOwn(simple, name)) return { kind: simple[name] };
  if (name === "quit" || name === "exit") return { kind: "Disconnect", reason: tail || null };
  if (name === "msg") {
    const [nick] = split(tail);
    if (!nick) return usage("/msg <nick> <text>: a direct message");
    return { kind: "DirectMessage", nick, text: lstrip(partition(tail, " ")[1]), open: false };
  }
  if (name === "query") {
    const [nick] = split(tail);
    if (!nick) return usage("/query <nick> [text]: go to your conversation with that person");
    return { kind: "DirectMessage", nick, text: lstrip(partition(tail, " ")[1]), open: true };
  }
  if (name === "me") {
    const text = rest.includes(" ") ? lstrip(partition(rest, " ")[1]) : "";
    return strip(text) ? { kind: "Action", text } : usage("/me <text>: an action");
  }
  if (name === "join") {
    const [room, key] = split(tail);
    if (!room) return usage("/join <room>: enter a room, e.g. /join #games");
    return { kind: "Join", room, key: key ? key.split(" ")[0] : null };
  }
  if (name === "leave" || name === "part") {
    const [first, more] = split(tail);
    if (first.startsWith("#") || first.startsWith("&")) return { kind: "Leave", room: first, reason: more || null };
    return { kind: "Leave", room: null, reason: tail || null };
  }
  if (name === "nick") {
    const [nick, extra] = split(tail);
    if (!nick || extra) return usage("/nick <nick>: change your nick (one word)");
    return { kind: "ChangeNick", nick };
  }
  if (name === "color") return { kind: "ChangeColor", color: tail || null };
  if (name === "topic") {
    const text = rest.includes(" ") ? strip(partition(rest, " ")[1]) : "";
    return { kind: "Topic", text: text || null };
  }
  if (name === "whois") {
    const [nick] = split(tail);
    return nick ? { kind: "Whois", nick } : usage("/whois <nick>: about someone");
  }
  if (name === "away") return { kind: "SetAway", message: tail || null };
  if (name === "register") {
    if (tail) return usage("/register alone: your nick becomes the account, the password is asked");
    return { kind: "Account", command: name, account: null };
  }
  if (name === "login") {
    const [account, extra] = split(tail);
    if (extra) return usage("/login [account]: the password is asked for, without echo");
    return { kind: "Account", command: name, account: account || null };
  }
  if (name === "cert") {
    const [verb0, more] = split(tail);
    const verb = verb0.toUpperCase();
    const dm = (text) => ({ kind: "DirectMessage", nick: "NickServ", text, open: false });
    if ((verb === "ADD" || verb === "LIST") && !more) return dm(`CERT ${verb}`);
    if ((verb === "DEL" || verb === "DELETE") && more && !more.includes(" ")) return dm(`CERT DEL ${more}`);
    return usage("/cert add (the certificate you connected with, see --cert), /cert list, /cert del <fp>");
  }
  // Search is a command where the shared table has it (the server's soju.im/search work).
  if (name === "search" && COMMAND_NAMES.includes("/search")) {
    return tail ? { kind: "Search", query: tail } : usage("/search <words> [from:nick] [in:#room]");
  }
  if (name === "goto" && COMMAND_NAMES.includes("/goto")) {
    if (!/^[0-9]+$/.test(tail)) return usage("/goto <n>: go to search result n");
    return { kind: "Goto", number: Number(tail) };
  }
  // Moderation: the usage lines and which commands take a reason are the Python tables.
  if (Object.hasOwn(MODERATION_USAGE, name)) {
    const [target, reason] = split(tail);
    if (!target || (reason && !MODERATION_REASONS.includes(name))) return usage(MODERATION_USAGE[name]);
    return { kind: "Moderate", action: name, target, reason: reason || null };
  }
  if (name === "invite") {
    const [nick, room] = split(tail);
    if (!nick || room.includes(" ")) return usage("/invite <nick> [room]: invite someone to this room or to room");
    return { kind: "Invite", nick, room: room || null };
  }
  if (name === "mode") {
    const [first, more] = split(tail);
    if (first.startsWith("#") || first.startsWith("&")) return more ? { kind: "SetMode", room: first, modes: more } : usage(MODE_USAGE);
    return tail ? { kind: "SetMode", room: null, modes: tail } : usage(MODE_USAGE);
  }
  return { kind: "Unknown", command: "/" + word };
}

// -- links: the only markup made from network text, and only http(s)

const URL_RE = /\bhttps?:\/\/[^\s<>"]+/gi;

/** `text` split into [{text}|{text, href}] pieces; only http and https become links. */
export function linkify(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    let url = m[0].replace(/[.,;:!?)\]}'"]+$/, "");
    if (url.includes("(") && m[0][url.length] === ")") url += ")"; // (a link (like this))
    let href = null;
    try {
      const parsed = new URL(url);
      if (parsed.protocol === "http:" || parsed.protocol === "https:") href = parsed.href;
    } catch {
      href = null;
    }
    if (!href) continue;
    if (m.index > last) out.push({ text: text.slice(last, m.index) });
    out.push({ text: url, href });
    last = m.index + url.length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}

/** Whether `text` mentions `nick` as a word (any case). */
export function mentions(text, nick) {
  if (!nick) return false;
  const t = fold(text);
  const n = fold(nick);
  let i = t.indexOf(n);
  const wordChar = /[\p{L}\p{N}_\-\[\]\\`^{}|]/u;
  while (i >= 0) {
    const before = i === 0 ? "" : t[i - 1];
    const after = t[i + n.length] ?? "";
    if (!wordChar.test(before) && !wordChar.test(after)) return true;
    i = t.indexOf(n, i + 1);
  }
  return false;
}

/** `HH:MM`, local time. */
export function hhmm(date) {
  return `${String(date.getHours()).padStart(2, "0")}:${String(date.getMinutes()).padStart(2, "0")}`;
}

/** The SEARCH attributes (soju.im/search) of what was typed in the search box: `from:nick`
 * and `in:target` words narrow it, the other words are the text; null when nothing is asked.
 * As chinwag.client.search.search_attributes. */
export function searchAttributes(query) {
  const attributes = {};
  const words = [];
  for (const word of query.split(/\s+/).filter(Boolean)) {
    const at = word.indexOf(":");
    const name = at < 0 ? "" : word.slice(0, at).toLowerCase();
    const value = at < 0 ? "" : word.slice(at + 1);
    if (value && (name === "from" || name === "in")) attributes[name] = value;
    else words.push(word);
  }
  if (words.length) attributes.text = words.join(" ");
  const keys = Object.keys(attributes);
  return keys.length ? keys.map((k) => `${k}=${escapeTag(attributes[k])}`).join(";") : null;
}
