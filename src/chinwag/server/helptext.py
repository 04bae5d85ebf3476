"""The texts ``HELP`` shows (Modern IRC "HELP message"): one entry per command, as data.

Each entry is the command's syntax and a few lines about it. Every command in the command
table has one (a test checks); ``HELPOP`` shares ``HELP``'s.
"""

from __future__ import annotations

HELP_TEXTS: dict[str, tuple[str, ...]] = {
    "AUTHENTICATE": (
        "AUTHENTICATE <mechanism> | <data> | *",
        "Logs in with SASL (PLAIN, SCRAM-SHA-256, EXTERNAL); * aborts.",
    ),
    "AWAY": ("AWAY [<message>]", "Marks you away with a message; without one, back again."),
    "BATCH": (
        "BATCH +<ref> draft/multiline <target> ... BATCH -<ref>",
        "Sends the PRIVMSG or NOTICE lines between as one message (draft/multiline).",
    ),
    "CAP": ("CAP LS [302] | LIST | REQ :<caps> | END", "Negotiates IRCv3 capabilities."),
    "CHANSERV": (
        "CHANSERV <command> [<arguments>]",
        "Talks to ChanServ (registered channels): REGISTER, INFO, DROP, AMODE, OP, TRANSFER.",
    ),
    "CS": ("CS <command> [<arguments>]", "The same as CHANSERV."),
    "CHATHISTORY": (
        "CHATHISTORY LATEST|BEFORE|AFTER|AROUND|BETWEEN|TARGETS <target> ...",
        "Fetches the history of a channel or a conversation.",
    ),
    "HELP": ("HELP [<subject>]", "Without a subject, lists the commands; with one, explains it."),
    "HELPOP": ("HELPOP [<subject>]", "The same as HELP."),
    "INFO": ("INFO", "Tells about the server software."),
    "INVITE": ("INVITE [<nick> <channel>]", "Invites a user to a channel; alone, lists yours."),
    "ISUPPORT": (
        "ISUPPORT",
        "Sends the server's RPL_ISUPPORT tokens again (draft/extended-isupport).",
    ),
    "ISON": ("ISON <nick>{ <nick>}", "Tells which of the nicks are online."),
    "JOIN": ("JOIN <channel>{,<channel>} [<key>{,<key>}] | 0", "Joins channels; 0 parts all."),
    "KICK": ("KICK <channel> <nick>{,<nick>} [<reason>]", "Removes users from a channel."),
    "KILL": ("KILL <nick> <reason>", "Disconnects a user (operators only)."),
    "LINKS": ("LINKS", "Lists the servers of the network (this one)."),
    "LIST": (
        "LIST [<channel>{,<channel>} | <mask>] [<condition>{,<condition>}]",
        "Lists channels: masks (* ?), !mask excludes; conditions <N >N (users),",
        "C<N C>N (created N minutes ago), T<N T>N (topic set N minutes ago).",
    ),
    "LUSERS": ("LUSERS", "Counts users, operators and channels."),
    "MARKREAD": ("MARKREAD <target> [timestamp=<time>]", "Gets or sets your read marker."),
    "REDACT": (
        "REDACT <target> <msgid> [<reason>]",
        "Deletes a message you sent (or, as a channel operator, any message in the channel).",
    ),
    "METADATA": (
        "METADATA <target> GET|LIST|SET|CLEAR|SUB|UNSUB|SUBS|SYNC ...",
        "Reads and writes metadata of users and channels.",
    ),
    "MODE": (
        "MODE <target> [<modes> [<arguments>...]]",
        "Shows or changes the modes of a channel or your own (user modes +i +w +B); "
        "+f <lines>:<seconds> mutes a channel member who sends more than that for a while.",
    ),
    "MONITOR": ("MONITOR + | - | C | L | S [<nick>{,<nick>}]", "Watches nicks come and go."),
    "MOTD": ("MOTD [<server>]", "Shows the message of the day."),
    "NAMES": ("NAMES [<channel>{,<channel>}]", "Lists the members of channels."),
    "NICK": ("NICK <nick>", "Sets or changes your nick."),
    "NICKSERV": ("NICKSERV <command> [<arguments>]", "Talks to NickServ (accounts)."),
    "NOTICE": ("NOTICE <target>{,<target>} <text>", "Sends a notice; never answered."),
    "NS": ("NS <command> [<arguments>]", "The same as NICKSERV."),
    "OPER": ("OPER <name> <password>", "Makes you an IRC operator."),
    "PART": ("PART <channel>{,<channel>} [<reason>]", "Leaves channels."),
    "PASS": ("PASS <password>", "Gives the connection password, before registering."),
    "PING": ("PING <token>", "Asks the server for a PONG."),
    "PONG": ("PONG <token>", "Answers the server's PING."),
    "PRIVMSG": ("PRIVMSG <target>{,<target>} <text>", "Sends a message to users or channels."),
    "QUIT": ("QUIT [<reason>]", "Disconnects."),
    "REGISTER": ("REGISTER [<account>] <email>|* <password>", "Registers an account."),
    "RENAME": (
        "RENAME <channel> <new-name> [<reason>]",
        "Renames a channel (operators of it; draft/channel-rename).",
    ),
    "SEARCH": ("SEARCH <key>=<value>[;...]", "Searches the message history."),
    "SETNAME": ("SETNAME <realname>", "Changes your real name."),
    "STATS": (
        "STATS <letter>",
        "Server statistics: u (uptime), m (command counts).",
    ),
    "TAGMSG": ("TAGMSG <target>{,<target>}", "Sends tags without text."),
    "TIME": ("TIME [<server>]", "Tells the server's time."),
    "TOPIC": ("TOPIC <channel> [<topic>]", "Shows or sets a channel's topic."),
    "UBAN": (
        "UBAN ADD <ip|cidr|nick!user@host|account> [DURATION <time>] [<reason>]",
        "UBAN DEL <target> | UBAN LIST | UBAN INFO <target>",
        "Server bans (operators only): time is seconds or 30m, 2h, 7d; without one, until",
        "removed. Whoever a new ban covers is disconnected at once.",
    ),
    "USER": ("USER <username> 0 * <realname>", "Gives your username and real name."),
    "USERHOST": ("USERHOST <nick>{ <nick>}", "Tells the hosts of users."),
    "VERIFY": ("VERIFY <account> <code>", "Confirms a registration with the code sent by email."),
    "VERSION": ("VERSION [<server>]", "Tells the server's version and ISUPPORT."),
    "WALLOPS": ("WALLOPS <text>", "Sends text to users with mode +w (operators only)."),
    "WHO": ("WHO <mask> [<flags>[%<fields>]]", "Lists users matching a mask or in a channel."),
    "WHOIS": ("WHOIS <nick>", "Tells about a user."),
    "WHOWAS": ("WHOWAS <nick> [<count>]", "Tells about a user who has left."),
}
"""Help for each command, by name: the syntax line, then the explanation."""

_MODERN = "https://modern.ircdocs.horse/#"
_IRCV3 = "https://ircv3.net/specs/extensions/"

COMMAND_SPECS: dict[str, str] = {
    "AUTHENTICATE": _IRCV3 + "sasl-3.2",
    "AWAY": _MODERN + "away-message",
    "BATCH": _IRCV3 + "multiline",
    "CAP": _IRCV3 + "capability-negotiation",
    "CHANSERV": "#registered-channels",
    "CHATHISTORY": _IRCV3 + "chathistory",
    "CS": "#registered-channels",
    "HELP": _MODERN + "help-message",
    "HELPOP": _MODERN + "help-message",
    "INFO": _MODERN + "info-message",
    "INVITE": _MODERN + "invite-message",
    "ISON": "https://datatracker.ietf.org/doc/html/rfc2812#section-4.9",
    "ISUPPORT": _IRCV3 + "extended-isupport",
    "JOIN": _MODERN + "join-message",
    "KICK": _MODERN + "kick-message",
    "KILL": _MODERN + "kill-message",
    "LINKS": _MODERN + "links-message",
    "LIST": _MODERN + "list-message",
    "LUSERS": _MODERN + "lusers-message",
    "MARKREAD": _IRCV3 + "read-marker",
    "METADATA": _IRCV3 + "metadata",
    "MODE": _MODERN + "mode-message",
    "MONITOR": _IRCV3 + "monitor",
    "MOTD": _MODERN + "motd-message",
    "NAMES": _MODERN + "names-message",
    "NICK": _MODERN + "nick-message",
    "NICKSERV": "#accounts",
    "NOTICE": _MODERN + "notice-message",
    "NS": "#accounts",
    "OPER": _MODERN + "oper-message",
    "PART": _MODERN + "part-message",
    "PASS": _MODERN + "pass-message",
    "PING": _MODERN + "ping-message",
    "PONG": _MODERN + "pong-message",
    "PRIVMSG": _MODERN + "privmsg-message",
    "QUIT": _MODERN + "quit-message",
    "REGISTER": _IRCV3 + "account-registration",
    "REDACT": "https://ircv3.net/specs/extensions/message-redaction",
    "RENAME": "https://ircv3.net/specs/extensions/channel-rename",
    "SEARCH": "https://codeberg.org/emersion/soju/src/branch/master/doc/ext/search.md",
    "SETNAME": _IRCV3 + "setname",
    "STATS": _MODERN + "stats-message",
    "TAGMSG": _IRCV3 + "message-tags",
    "TIME": _MODERN + "time-message",
    "TOPIC": _MODERN + "topic-message",
    "UBAN": "https://ergo.chat/manual.html",
    "USER": _MODERN + "user-message",
    "USERHOST": _MODERN + "userhost-message",
    "VERIFY": _IRCV3 + "account-registration",
    "VERSION": _MODERN + "version-message",
    "WALLOPS": _MODERN + "wallops-message",
    "WHO": _MODERN + "who-message",
    "WHOIS": _MODERN + "whois-message",
    "WHOWAS": _MODERN + "whowas-message",
}
"""The spec of each command, by name: a Modern IRC anchor, an IRCv3 (or vendor) spec, or,
for our NickServ aliases, the Accounts section of docs/protocol.md (ChanServ's: its
Registered channels section). Every command in the
command table has one (a test checks); ``python -m chinwag.server.support_table`` renders
them into docs/protocol.md."""
