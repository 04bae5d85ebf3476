// chinwag in the browser: IRC over the server's own WebSocket (/ws), no framework.
// Everything from the network is shown with textContent and createElement, cleaned first
// (irc.js clean); links are the only markup made from it, and only http(s).
// This file is the entry point: it wires the modules together (the hooks of state.js) and
// the page's controls to them.
import { app, hooks } from "./state.js";
import { $, darkQuery } from "./dom.js";
import { parseLine, fold } from "./irc.js";
import { connect, send } from "./connection.js";
import { receive } from "./server.js";
import { render, atBottom, recolor, drawList } from "./draw.js";
import { system, markRead } from "./messages.js";
import { select, cycle } from "./select.js";
import { history, reference, PAGE } from "./history.js";
import { search } from "./search.js";
import { startReply, endReply, submit, answerSecret, complete, typing } from "./input.js";
import { loginError, showLogin, recalled, swatches, pickColor, startLogin } from "./login.js";

// REDACT of one of our messages (draft/message-redaction): the server's REDACT back shows it.
const redact = (c, m) => send("REDACT", [c.name, m.id]);
Object.assign(hooks, { drawList, select, startReply, receive, loginError, showLogin, redact });
window.chinwag = app; // for the tests, the benchmark (bench/web.py) and the curious

function init() {
  swatches();
  pickColor(recalled("chinwag.color"));
  $("nick").value = recalled("chinwag.nick");
  $("login-form").addEventListener("submit", startLogin);
  $("compose").addEventListener("submit", (e) => {
    e.preventDefault();
    if (app.secretFor) return answerSecret();
    const input = $("input");
    const text = input.value;
    input.value = "";
    submit(text);
    input.style.height = "";
  });
  $("input").addEventListener("keydown", (e) => {
    const input = e.target;
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $("compose").requestSubmit();
    } else if (e.key === "Tab" && !e.shiftKey && input.value) {
      e.preventDefault();
      complete(input);
    } else if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
      e.preventDefault();
      cycle(e.key === "ArrowUp" ? -1 : 1);
    } else if (e.key === "ArrowUp" && !input.value.slice(0, input.selectionStart).includes("\n") && app.recallAt > 0) {
      e.preventDefault();
      input.value = app.recall[--app.recallAt];
    } else if (e.key === "ArrowDown" && app.recallAt < app.recall.length && !input.value.slice(input.selectionEnd).includes("\n")) {
      e.preventDefault();
      app.recallAt++;
      input.value = app.recall[app.recallAt] ?? "";
    }
  });
  $("input").addEventListener("input", (e) => {
    typing();
    e.target.style.height = "";
    e.target.style.height = Math.min(e.target.scrollHeight, 160) + "px";
  });
  $("secret").addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      $("secret").value = "";
      answerSecret();
    }
  });
  document.addEventListener("keydown", (e) => {
    if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown") && e.target.id !== "input") {
      e.preventDefault();
      cycle(e.key === "ArrowUp" ? -1 : 1);
    }
  });
  $("log").addEventListener("scroll", () => {
    const log = $("log");
    const c = app.convs.get(app.current);
    if (!c) return;
    if (log.scrollTop < 80) {
      if (c.from > 0) {
        const anchor = c.messages[c.from];
        c.from = Math.max(0, c.from - PAGE);
        c.to = Math.min(c.to, c.from + app.renderCap);
        render(anchor);
      } else if (!c.historyDone && !c.loadingOlder && c.messages.length && app.caps.has("draft/chathistory") && c.kind !== "server") {
        c.loadingOlder = true;
        history(c, "BEFORE", reference(c.messages[0]), PAGE);
      }
    } else if (atBottom()) {
      if (c.to < c.messages.length) {
        c.to = Math.min(c.messages.length, c.to + PAGE);
        c.from = Math.max(c.from, c.to - app.renderCap);
        const top = log.scrollTop;
        render(c.messages[c.from]);
        log.scrollTop = top;
      } else if (c.unread) markRead(c);
    }
  });
  document.addEventListener("visibilitychange", () => {
    const c = app.convs.get(app.current);
    if (document.visibilityState === "visible" && c && atBottom()) markRead(c);
  });
  $("reply-cancel").addEventListener("click", endReply);
  $("drawer-toggle").addEventListener("click", () => {
    const open = document.body.classList.toggle("drawer-open");
    $("drawer-toggle").setAttribute("aria-expanded", String(open));
  });
  document.addEventListener("click", (e) => {
    // A tap outside an open drawer or member panel closes it.
    if (!e.target.closest("#sidebar, #drawer-toggle, #members, #members-toggle")) {
      document.body.classList.remove("drawer-open", "members-open");
      $("drawer-toggle").setAttribute("aria-expanded", "false");
      $("members-toggle").setAttribute("aria-expanded", "false");
    }
  });
  $("members-toggle").addEventListener("click", () => {
    const open = document.body.classList.toggle("members-open");
    $("members-toggle").setAttribute("aria-expanded", String(open));
  });
  $("reconnect-now").addEventListener("click", () => connect());
  $("notify-toggle").addEventListener("click", async () => {
    if (!("Notification" in window)) return system("This browser has no notifications.");
    if (!app.notify) {
      const answer = await Notification.requestPermission();
      app.notify = answer === "granted";
    } else app.notify = false;
    $("notify-toggle").textContent = app.notify ? "Stop notifications" : "Notify me of mentions";
  });
  $("search-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = $("search").value.trim();
    if (text) search(text);
  });
  $("results-close").addEventListener("click", () => ($("results").hidden = true));
  darkQuery.addEventListener("change", recolor);
}

// What the benchmark drives: a line as if the server had sent it, and a switch.
app.receiveLine = (raw) => receive(parseLine(raw));
app.select = (name) => select(fold(name));

init();
