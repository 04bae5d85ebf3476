// Login: the form (nick, colour, password), its errors, showing the chat or the form, and
// remembering the nick and colour.
import { app } from "./state.js";
import { $, el, darkQuery, BACKGROUND } from "./dom.js";
import { readable } from "./irc.js";
import { PALETTE } from "./shared.js";
import { connect } from "./connection.js";
import { drawMe, drawList } from "./draw.js";

export function loginError(field, text) {
  $(field).textContent = text;
  $(field).closest("form")?.querySelector(`#${field.replace("-error", "")}`)?.setAttribute("aria-invalid", "true");
}

export function showLogin() {
  clearInterval(app.countdown);
  $("chat").hidden = true;
  $("login").hidden = false;
  $("login-button").disabled = false;
  app.everReady = false;
  app.convs.clear();
  app.order = [];
  app.current = null;
  document.title = "chinwag";
}

export function enterChat() {
  app.everReady = true;
  $("login").hidden = true;
  $("chat").hidden = false;
  remember("chinwag.nick", app.nick);
  remember("chinwag.color", app.color);
  drawMe();
  drawList();
  $("input").focus();
}

// The nick and colour are remembered for next time (never the password); storage may be
// refused (private windows, blocked cookies), which only means nothing is remembered.
function remember(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* not remembered */
  }
}
export function recalled(key) {
  try {
    return localStorage.getItem(key) ?? "";
  } catch {
    return "";
  }
}

export function swatches() {
  const box = $("swatches");
  for (const [name, hex] of Object.entries(PALETTE)) {
    const b = el("button", "swatch");
    b.type = "button";
    b.title = name;
    b.setAttribute("aria-label", name);
    b.setAttribute("aria-pressed", "false");
    b.dataset.color = hex;
    b.style.backgroundColor = hex;
    b.addEventListener("click", () => pickColor(hex));
    box.append(b);
  }
  $("custom-color").addEventListener("input", (e) => pickColor(e.target.value));
}

export function pickColor(hex) {
  app.color = hex;
  for (const b of document.querySelectorAll(".swatch")) b.setAttribute("aria-pressed", String(b.dataset.color === hex));
  if (hex) $("custom-color").value = hex;
  $("nick").style.color = hex ? readable(hex, darkQuery.matches, darkQuery.matches ? BACKGROUND.dark : BACKGROUND.light) : "";
}

export function startLogin(event) {
  event.preventDefault();
  for (const p of document.querySelectorAll(".field-error")) p.textContent = "";
  for (const i of document.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
  const nick = $("nick").value.trim();
  const password = $("password").value;
  const register = $("register").checked;
  if (!nick) return loginError("nick-error", "Choose a nick.");
  if (/[\s,*?!@]/.test(nick) || /^[#&:$0-9-]/.test(nick)) return loginError("nick-error", "A nick is one word of letters, digits and - _ [ ] \\ ` ^ { } |.");
  if (register && !password) return loginError("password-error", "Registering needs a password.");
  Object.assign(app, { nick, password: password || null, register, account: null, quitting: false, attempt: 0, saslDone: false });
  $("login-button").disabled = true;
  connect();
}
