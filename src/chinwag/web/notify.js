// Notifications: the browser's own, for mentions and direct messages not in view.
import { app, hooks } from "./state.js";
import { clean } from "./irc.js";

export function notify(c, m) {
  if (!app.notify || !("Notification" in window) || Notification.permission !== "granted") return;
  if (document.visibilityState === "visible" && c.key === app.current) return;
  const title = c.kind === "dm" ? `${clean(m.nick)} (direct)` : `${clean(m.nick)} in ${clean(c.name)}`;
  const n = new Notification(title, { body: m.text.slice(0, 200), tag: c.key });
  n.onclick = () => {
    window.focus();
    hooks.select(c.key);
  };
}
