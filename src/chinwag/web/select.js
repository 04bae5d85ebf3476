// Which conversation is open: selecting one (read as it is shown), closing one, and
// stepping through them.
import { app } from "./state.js";
import { fold } from "./irc.js";
import { $ } from "./dom.js";
import { render, drawTopic, drawMembers, drawTyping, drawList } from "./draw.js";
import { markRead } from "./messages.js";

export function select(key) {
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

export function close(c) {
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

/** RENAME (draft/channel-rename): conversation `c` is now called `name`. It keeps its
 * place in the list, its messages and unread count; a stale conversation of the new name
 * (a room left long ago) gives way to it. */
export function rename(c, name) {
  const key = fold(name);
  if (key !== c.key) {
    if (app.convs.has(key)) {
      app.convs.delete(key);
      app.order = app.order.filter((k) => k !== key);
    }
    app.convs.delete(c.key);
    app.order = app.order.map((k) => (k === c.key ? key : k));
    if (app.current === c.key) app.current = key;
    for (const request of app.labels.values()) if (request?.key === c.key) request.key = key;
    for (const redaction of app.redactions.values()) if (redaction.key === c.key) redaction.key = key;
    c.key = key;
    app.convs.set(key, c);
  }
  c.name = name;
  drawList();
  if (app.current === key) drawTopic();
}

export function cycle(step) {
  const keys = app.order.filter((k) => app.convs.get(k)?.kind !== "server");
  if (!keys.length) return;
  const at = keys.indexOf(app.current);
  select(keys[(at + step + keys.length) % keys.length]);
}
