"""The bundled bots: trivia, hangman, board games (tic-tac-toe and connect four) and dice.

Each game's rules are a sans-I/O module of their own (times and randomness are arguments),
tested without a server; the bot module around them only talks.
"""
