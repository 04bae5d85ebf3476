// The page's state: the `app` object (connection, conversations, settings), conv(), which
// finds or makes a conversation, and `hooks`, the few calls that go back up the imports.
import { fold } from "./irc.js";

export const isChannel = (name) => name.startsWith("#") || name.startsWith("&");

/** Functions of higher modules that lower ones call (a new conversation redraws the list, a
 * click on a drawn name opens it, a line from the socket goes to the server's handlers):
 * app.js fills them in, so no two modules import each other. */
export const hooks = {
  drawList: null, select: null, startReply: null, receive: null, loginError: null, showLogin: null,
  redact: null,
};

export const app = {
  ws: null, nick: "", color: "", password: null, register: false, account: null,
  caps: new Set(), offered: new Map(), ready: false, everReady: false, quitting: false,
  prefixModes: "ov", prefixChars: "@+", convs: new Map(), order: [], current: null,
  colors: new Map(), batches: new Map(), labels: new Map(), labelSeq: 0, attempt: 0,
  countdown: null, recall: [], recallAt: 0, typingSent: 0, replyTo: null, notify: false,
  secretFor: null, results: [],
  switchOnJoin: null, // the room (folded) whose JOIN opens it: the one this page asked for
  redactions: new Map(), // msgid -> { key, reason }: REDACTs seen (draft/message-redaction)
  bots: new Set(), // folded nicks known to be bots (IRCv3 bot-mode: the bot tag, WHO's B, 335)
  renderCap: 2000, // rows of one conversation in the DOM at most; older ones page in on scroll
};

export const me = (nick) => fold(nick) === fold(app.nick);

export function conv(name, kind = isChannel(name) ? "room" : "dm") {
  const key = fold(name);
  let c = app.convs.get(key);
  if (!c) {
    c = {
      key, name, kind, messages: [], ids: new Map(), from: 0, to: 0, unread: 0, mention: false,
      topic: "", members: new Map(), marker: null, divider: null, joined: false,
      historyDone: false, loadingOlder: false, typing: new Map(),
    };
    app.convs.set(key, c);
    app.order.push(key);
    hooks.drawList();
  }
  return c;
}
