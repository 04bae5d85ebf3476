// Search (soju.im/search): asking, listing the results, and jumping to one in its
// conversation.
import { app, conv } from "./state.js";
import { $, el } from "./dom.js";
import { labelled } from "./connection.js";
import { clean, hhmm, searchAttributes } from "./irc.js";
import { toMessage, conversationOf } from "./messages.js";
import { nickSpan, render } from "./draw.js";
import { select } from "./select.js";

export function search(query) {
  const attributes = searchAttributes(query);
  if (attributes) labelled("SEARCH", [`${attributes};limit=50`], { kind: "SEARCH" });
}

export function showResults(lines) {
  const items = [];
  app.results = [];
  for (const line of lines) {
    if (line.command !== "PRIVMSG" && line.command !== "NOTICE") continue;
    const m = toMessage(line, "msg");
    if (!m) continue;
    const where = conversationOf(line);
    app.results.push({ where, id: m.id });
    const li = el("li", "result");
    const button = el("button", null);
    button.type = "button";
    const day = m.time.toLocaleDateString(undefined, { day: "numeric", month: "short" });
    button.append(`[${app.results.length}] `, el("span", "where", clean(where)), " ", el("time", "time", `${day} ${hhmm(m.time)}`), " ", nickSpan(m.nick), " ", m.text);
    button.addEventListener("click", () => jump(where, m.id));
    li.append(button);
    items.push(li);
  }
  if (!items.length) items.push(el("li", "none", "Nothing found."));
  $("result-list").replaceChildren(...items);
  $("results").hidden = false;
}

export function jump(where, msgid) {
  const c = conv(where);
  select(c.key);
  $("results").hidden = true;
  if (!msgid) return;
  if (c.ids.has(msgid)) {
    const at = c.messages.findIndex((m) => m.id === msgid);
    c.from = Math.max(0, at - app.renderCap / 2);
    c.to = Math.min(c.messages.length, c.from + app.renderCap);
    c.focus = msgid;
    render();
  } else labelled("CHATHISTORY", ["AROUND", c.name, `msgid=${msgid}`, "50"], { kind: "AROUND", key: c.key, limit: 50, msgid });
}
