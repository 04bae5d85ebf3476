// The connection: the WebSocket to the server's /ws, sending lines, labelled requests,
// and reconnecting (with a countdown) when it drops.
import { app, hooks } from "./state.js";
import { $ } from "./dom.js";
import { parseLine, buildLine } from "./irc.js";

const BACKOFF = [1, 2, 4, 8, 15, 30]; // seconds before each reconnection attempt

export function send(command, params = [], tags = null) {
  if (app.ws && app.ws.readyState === WebSocket.OPEN) app.ws.send(buildLine(command, params, tags));
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
