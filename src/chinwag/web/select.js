// Which conversation is open: selecting one (read as it is shown), closing one, and
// stepping through them.
import { app } from "./state.js";
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

export function cycle(step) {
  const keys = app.order.filter((k) => app.convs.get(k)?.kind !== "server");
  if (!keys.length) return;
  const at = keys.indexOf(app.current);
  select(keys[(at + step + keys.length) % keys.length]);
}
