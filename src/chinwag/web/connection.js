// The connection: the WebSocket to the server's /ws, sending lines, labelled requests,
// and reconnecting (with a countdown) when it drops.
import { app, hooks } from "./state.js";
import { $ } from "./dom.js";
import { parseLine, buildLine } from "./irc.js";

const BACKOFF = [1, 2, 4, 8, 15, 30]; // seconds before each reconnection attempt

// Pacing (docs/security.md "Flood control"): the page writes at most `burst` lines at once,
// then `rate` a second, 80% of what the server announces with `CHANLIMITS *`
// (draft/channel-flood-limits) or of chinwag's default fakelag before that, so a paste or a
// burst of clicks never has the server hold or drop us. The costs are the server's
// (chinwag.protocol.fakelag): heavy commands more, lines inside a multiline batch little.
const MARGIN = 0.8;
const COSTS = {
  LIST: 3, SEARCH: 3, WHO: 2, WHOIS: 2, WHOWAS: 2, NAMES: 2, CHATHISTORY: 2, MOTD: 2, HELP: 2,
  PING: 0.5, PONG: 0.5,
};
const URGENT = new Set(["PONG"]); // sent before what waits (still counted); QUIT waits its turn
export const pace = { burst: 16, rate: 1.6, readyAt: 0, queue: [], timer: null, held: 0 };

/** Pace to the server's announced `count` messages per `duration` seconds (less the margin). */
export function setFloodLimits(count, duration) {
  // What was already spent stays spent, counted in lines: at the old rate it ends at readyAt,
  // at the new rate it ends as many lines later. Kept in seconds, the old backlog would hold
  // the queue as long under a far higher rate (CHANLIMITS * * after the default pacing).
  const now = performance.now() / 1000;
  const used = Math.max(0, pace.readyAt - now) * pace.rate;
  pace.burst = Math.max(1, Math.floor(count * MARGIN));
  pace.rate = (count / duration) * MARGIN;
  pace.readyAt = now + used / pace.rate;
  clearTimeout(pace.timer);
  pace.timer = null;
  drain();
}

function resetPace() {
  clearTimeout(pace.timer);
  Object.assign(pace, { burst: 16, rate: 1.6, readyAt: 0, queue: [], timer: null });
}

function delay(cost, now) {
  const wait = Math.max(pace.readyAt, now) + cost / pace.rate - now - pace.burst / pace.rate;
  return wait > 1e-9 ? wait : 0;
}

function charge(cost, now) {
  pace.readyAt = Math.max(pace.readyAt, now) + cost / pace.rate;
}

function drain() {
  const now = performance.now() / 1000;
  while (pace.queue.length) {
    const [line, cost] = pace.queue[0];
    const wait = delay(cost, now);
    if (wait > 0) {
      pace.held++;
      if (!pace.timer) pace.timer = setTimeout(() => { pace.timer = null; drain(); }, wait * 1000);
      return;
    }
    charge(cost, now);
    pace.queue.shift();
    if (app.ws && app.ws.readyState === WebSocket.OPEN) app.ws.send(line);
  }
}

export function send(command, params = [], tags = null) {
  if (!app.ws || app.ws.readyState !== WebSocket.OPEN) return;
  const line = buildLine(command, params, tags);
  const inBatch = tags && "batch" in tags && (command === "PRIVMSG" || command === "NOTICE");
  const cost = inBatch ? 0.1 : COSTS[command] ?? 1;
  if (URGENT.has(command)) {
    charge(cost, performance.now() / 1000);
    app.ws.send(line);
    return;
  }
  pace.queue.push([line, cost]);
  drain();
}

export function labelled(command, params, request) {
  const label = "w" + ++app.labelSeq;
  app.labels.set(label, request);
  send(command, params, app.caps.has("labeled-response") ? { label } : null);
  return label;
}

export function connect() {
  clearInterval(app.countdown);
  app.ready = false;
  app.caps = new Set();
  app.offered = new Map();
  app.batches = new Map();
  resetPace();
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
    for (const raw of text.split(/\r?\n/)) if (raw) hooks.receive(parseLine(raw));
  };
  ws.onclose = () => {
    if (app.ws !== ws) return;
    app.ws = null;
    if (app.quitting) return;
    if (!app.everReady) {
      if (!opened) hooks.loginError("server-error", "The server cannot be reached. Is it running?");
      return hooks.showLogin();
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
