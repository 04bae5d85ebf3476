// Registration: capabilities, SASL, the account, and what follows the welcome (the chat
// shown, the rooms joined again, the gap of direct messages filled).
import { app } from "./state.js";
import { $ } from "./dom.js";
import { send } from "./connection.js";
import { setColor, drawMe } from "./draw.js";
import { history, reference, targets, PAGE, SPOKEN } from "./history.js";
import { showLogin, enterChat } from "./login.js";
import { metadataCap, withMetadataDraft } from "./metadata.js";

const WANTED_CAPS = [
  "account-notify", "account-tag", "away-notify", "batch", "cap-notify", "chghost",
  "draft/account-registration", "draft/channel-flood-limits", "draft/channel-rename", "draft/chathistory",
  "draft/message-redaction", "draft/metadata-2", "draft/multiline", "draft/read-marker",
  "echo-message", "extended-join", "invite-notify", "labeled-response", "message-tags",
  "multi-prefix", "sasl", "server-time", "setname", "standard-replies", "userhost-in-names",
  "soju.im/search",
];

/** The server's lines of capability negotiation and SASL. */
export const REGISTRATION_HANDLERS = {
  CAP(line) {
    const [, sub, ...rest] = line.params;
    const list = rest[rest.length - 1] ?? "";
    if (sub === "LS" || sub === "NEW") {
      for (const item of list.split(" ").filter(Boolean)) {
        const [name, value = ""] = item.split(/=(.*)/s);
        app.offered.set(name, value);
      }
      if (sub === "LS" && rest[0] === "*") return; // more to come
      const want = withMetadataDraft(
        WANTED_CAPS.filter((c) => app.offered.has(c) && !app.caps.has(c)),
      );
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
};

export function afterCaps() {
  if (app.password != null && !app.register && app.caps.has("sasl") && !app.saslDone) {
    app.saslDone = true;
    send("AUTHENTICATE", ["PLAIN"]);
  } else send("CAP", ["END"]);
}

/** Another nick when ours is in use on another of our devices: ana, ana_, ana_1 ... */
export function alternative(nick) {
  if (nick.length < 30) return nick + "_";
  const last = nick[nick.length - 1];
  return nick.slice(0, -1) + (/\d/.test(last) ? String((Number(last) + 1) % 10) : "1");
}

export function quitQuietly() {
  app.quitting = true;
  send("QUIT");
  app.ws?.close();
  showLogin();
}

export function registered() {
  if (app.ready) return;
  app.ready = true;
  app.attempt = 0;
  if (metadataCap()) {
    send("METADATA", ["*", "SUB", "color"]);
    if (app.color) send("METADATA", ["*", "SET", "color", app.color]);
    setColor(app.nick, app.color || null);
  }
  if (app.away) send("AWAY", [app.away]);
  if (app.register && !app.account) return send("REGISTER", ["*", app.password]);
  welcome();
}

/** Registered (and logged in or registered as asked): the chat, and the rooms back. */
export function welcome() {
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
  if (![...app.convs.values()].some((c) => c.kind !== "server")) {
    // The room a login opens, whether the server answers with its JOIN or already sent it
    // (the account's user this page attached to is in it): no other JOIN opens instead.
    app.switchOnJoin = "#lobby";
    send("JOIN", ["#lobby"]);
  }
  if (!reconnected && app.caps.has("draft/chathistory")) targets(); // the direct conversations
}
