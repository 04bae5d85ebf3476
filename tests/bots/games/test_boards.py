"""Tic-tac-toe and connect four (chinwag.bots.games.boards): whole games to a win in every
direction, draws, each refusal with its reason, forfeits, boards that line up in monospace,
and saved games that carry on after a restart."""

from __future__ import annotations

import unicodedata

import pytest

from chinwag.bots.games.boards import BoardGame, ConnectFour, MoveResult, Refusal, TicTacToe

ANN, BOB = "ann", "bob"
RULE = "---+---+---"

# 42 moves that fill connect four's grid with no four in a line anywhere.
CONNECT_FOUR_DRAW = "547125662261271266215743771576315353334444"


def play_all(game: BoardGame, moves: str) -> MoveResult:
    """Play ``moves`` (one character each) in turn; every one must be accepted."""
    result = MoveResult()
    for move in moves:
        player = game.turn
        assert player is not None, f"the game ended before move {move}"
        result = game.play(player, move)
        assert result.accepted, result.reason
    return result


def assert_monospace(lines: list[str]) -> None:
    """Every line equally wide, short, and made of characters one cell wide."""
    assert len({len(line) for line in lines}) == 1
    assert all(len(line) <= 40 for line in lines)
    for character in "".join(lines):
        assert character.isprintable()
        assert unicodedata.east_asian_width(character) in ("N", "Na")


# Tic-tac-toe -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moves", "line"),
    [
        ("14253", {0, 1, 2}),  # X 1, 2, 3: the top row
        ("41526", {3, 4, 5}),  # X 4, 5, 6: the middle row
        ("71829", {6, 7, 8}),  # X 7, 8, 9: the bottom row
        ("12437", {0, 3, 6}),  # X 1, 4, 7: the left column
        ("21538", {1, 4, 7}),  # X 2, 5, 8: the middle column
        ("31629", {2, 5, 8}),  # X 3, 6, 9: the right column
        ("12539", {0, 4, 8}),  # X 1, 5, 9: the diagonal down to the right
        ("31527", {2, 4, 6}),  # X 3, 5, 7: the diagonal down to the left
    ],
)
def test_tic_tac_toe_is_won_by_three_in_a_line(moves: str, line: set[int]) -> None:
    game = TicTacToe((ANN, BOB))
    result = play_all(game, moves[:-1])
    assert not result.over and game.turn == ANN
    result = play_all(game, moves[-1])
    assert result.winner == ANN == game.winner and result.over
    assert result.cell == int(moves[-1]) - 1
    assert game.winning == line
    assert game.over and not game.draw and game.turn is None


def test_the_second_player_wins_tic_tac_toe_too() -> None:
    game = TicTacToe((ANN, BOB))
    result = play_all(game, "123598")  # X 1, 3, 9; O 2, 5, 8
    assert result.winner == BOB and game.winning == {1, 4, 7}


def test_tic_tac_toe_is_drawn_when_the_grid_fills_without_a_line() -> None:
    game = TicTacToe((ANN, BOB))
    result = play_all(game, "123546879")
    assert result.draw and result.over and result.winner is None
    assert game.draw and game.over and game.winner is None and game.turn is None
    assert game.board() == [
        " X | O | X ",
        "---+---+---",
        " X | O | O ",
        "---+---+---",
        " O | X | X ",
    ]


def test_tic_tac_toe_board_numbers_free_cells_and_brackets_the_winning_line() -> None:
    game = TicTacToe((ANN, BOB))
    assert game.board() == [
        " 1 | 2 | 3 ",
        "---+---+---",
        " 4 | 5 | 6 ",
        "---+---+---",
        " 7 | 8 | 9 ",
    ]
    play_all(game, "14253")
    assert game.board() == [
        "[X]|[X]|[X]",
        "---+---+---",
        " O | O | 6 ",
        "---+---+---",
        " 7 | 8 | 9 ",
    ]
    assert_monospace(game.board())


def test_tic_tac_toe_refusals_each_say_why_and_change_nothing() -> None:
    game = TicTacToe((ANN, BOB))
    assert game.turn == ANN and game.mark(ANN) == "X" and game.mark(BOB) == "O"
    cases = [
        (BOB, "5", Refusal.NOT_TURN, "It is not your turn."),
        ("cat", "5", Refusal.NOT_PLAYER, "You are not playing in this game."),
        (ANN, "0", Refusal.BAD_MOVE, "Choose a free cell by its number, 1 to 9."),
        (ANN, "10", Refusal.BAD_MOVE, "Choose a free cell by its number, 1 to 9."),
        (ANN, "x", Refusal.BAD_MOVE, "Choose a free cell by its number, 1 to 9."),
        (ANN, "", Refusal.BAD_MOVE, "Choose a free cell by its number, 1 to 9."),
        (ANN, "\uff15", Refusal.BAD_MOVE, "Choose a free cell by its number, 1 to 9."),
    ]
    for player, move, refusal, reason in cases:
        result = game.play(player, move)
        assert (result.refusal, result.reason, result.accepted) == (refusal, reason, False)
    assert game.moves == [] and game.turn == ANN
    assert game.play(ANN, " 5 ").accepted  # spaces round a number are fine
    taken = game.play(BOB, "5")
    assert (taken.refusal, taken.reason) == (Refusal.TAKEN, "Cell 5 is taken.")
    assert game.turn == BOB and game.moves == [5]
    play_all(game, "12348")  # O 1, X 2, O 3, X 4, O 8 (blocking the middle column)
    assert not game.over
    play_all(game, "6")  # X 4, 5, 6: the middle row
    assert game.winner == ANN
    over = game.play(BOB, "7")
    assert (over.refusal, over.reason) == (Refusal.OVER, "The game is over.")


def test_forfeit_gives_the_game_to_the_other_player() -> None:
    game = TicTacToe((ANN, BOB))
    play_all(game, "5")
    stranger = game.forfeit("cat")
    assert stranger.refusal is Refusal.NOT_PLAYER and not game.over
    result = game.forfeit(ANN)
    assert result.accepted and result.winner == BOB and result.over
    assert game.winner == BOB and game.forfeited == ANN and game.turn is None
    assert game.winning == frozenset()
    again = game.forfeit(BOB)
    assert (again.refusal, again.reason) == (Refusal.OVER, "The game is over.")
    assert game.play(BOB, "1").refusal is Refusal.OVER


def test_a_game_needs_two_different_players() -> None:
    with pytest.raises(ValueError):
        TicTacToe((ANN, ANN))


def test_a_saved_tic_tac_toe_game_carries_on_after_a_restart() -> None:
    game = TicTacToe((ANN, BOB))
    play_all(game, "519")
    restored = BoardGame.from_json(game.to_json())
    assert isinstance(restored, TicTacToe)
    assert restored.players == (ANN, BOB) and restored.turn == BOB
    assert restored.board() == game.board() and restored.moves == [5, 1, 9]
    assert restored.play(ANN, "2").refusal is Refusal.NOT_TURN
    play_all(restored, "3")  # O 3; X to play
    result = restored.play(ANN, "7")  # X 5, 9, 7: no line; O could block
    assert result.accepted and not result.over
    finished = TicTacToe.from_json(restored.to_json())
    assert finished.cells == restored.cells and finished.turn == BOB


def test_a_saved_forfeit_and_a_saved_win_stay_over() -> None:
    game = TicTacToe((ANN, BOB))
    play_all(game, "12")
    game.forfeit(BOB)
    restored = BoardGame.from_json(game.to_json())
    assert restored.winner == ANN and restored.forfeited == BOB and restored.over
    won = TicTacToe((ANN, BOB))
    play_all(won, "14253")
    again = BoardGame.from_json(won.to_json())
    assert again.winner == ANN and again.winning == {0, 1, 2}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[]",
        "{}",
        '{"game": "chess", "players": ["a", "b"], "moves": [], "forfeited": null}',
        '{"game": "tictactoe", "players": ["a"], "moves": [], "forfeited": null}',
        '{"game": "tictactoe", "players": ["a", "b"], "moves": [5, 5], "forfeited": null}',
        '{"game": "tictactoe", "players": ["a", "b"], "moves": ["5"], "forfeited": null}',
        '{"game": "tictactoe", "players": ["a", "b"], "moves": [], "forfeited": "c"}',
        '{"game": "tictactoe", "players": [1, 2], "moves": [], "forfeited": null}',
    ],
)
def test_what_is_not_a_saved_game_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        BoardGame.from_json(text)


def test_a_saved_game_of_the_other_kind_is_refused() -> None:
    text = ConnectFour((ANN, BOB)).to_json()
    with pytest.raises(ValueError):
        TicTacToe.from_json(text)
    assert isinstance(ConnectFour.from_json(text), ConnectFour)


# Connect four ----------------------------------------------------------------------------


def test_discs_fall_to_the_lowest_free_cell() -> None:
    game = ConnectFour((ANN, BOB))
    assert game.play(ANN, "4").cell == 5 * 7 + 3
    assert game.play(BOB, "4").cell == 4 * 7 + 3
    assert game.play(ANN, "1").cell == 5 * 7


def test_connect_four_is_won_down_a_column() -> None:
    game = ConnectFour((ANN, BOB))
    result = play_all(game, "1212121")
    assert result.winner == ANN
    assert game.winning == {14, 21, 28, 35}


def test_connect_four_is_won_across_a_row() -> None:
    game = ConnectFour((ANN, BOB))
    result = play_all(game, "4455667")  # X along the bottom, O on top of X
    assert result.winner == ANN and game.winning == {38, 39, 40, 41}


def test_connect_four_is_won_diagonally_up_to_the_right() -> None:
    # X ends with discs at heights 1, 2, 3, 4 in columns 1 to 4; the rest fill beneath.
    game = ConnectFour((ANN, BOB))
    result = play_all(game, "1223433474")
    assert not result.over
    result = play_all(game, "4")
    assert result.winner == ANN
    assert game.winning == {35, 29, 23, 17}


def test_connect_four_is_won_diagonally_down_to_the_right() -> None:
    # The mirror image of the game above.
    game = ConnectFour((ANN, BOB))
    result = play_all(game, "76654554144")
    assert result.winner == ANN
    assert game.winning == {41, 33, 25, 17}


def test_the_second_player_can_win_and_five_in_a_line_is_marked_whole() -> None:
    game = ConnectFour((ANN, BOB))
    result = play_all(game, "717263651")  # O has 1, 2, 3 and 5 along the bottom
    assert not result.over and game.turn == BOB
    result = game.play(BOB, "4")
    assert result.winner == BOB
    assert game.winning == {35, 36, 37, 38, 39}


def test_connect_four_is_drawn_when_the_grid_fills_without_four() -> None:
    game = ConnectFour((ANN, BOB))
    result = play_all(game, CONNECT_FOUR_DRAW)
    assert result.draw and game.draw and game.winner is None and game.turn is None
    assert "" not in game.cells
    assert game.play(ANN, "1").refusal is Refusal.OVER


def test_connect_four_refusals_each_say_why() -> None:
    game = ConnectFour((ANN, BOB))
    for move in ("0", "8", "one", "", "-1", "1.0"):
        result = game.play(ANN, move)
        assert (result.refusal, result.reason) == (
            Refusal.BAD_MOVE,
            "Choose a column by its number, 1 to 7.",
        )
    play_all(game, "333333")
    full = game.play(ANN, "3")
    assert (full.refusal, full.reason) == (Refusal.FULL, "Column 3 is full.")
    assert game.play(BOB, "1").refusal is Refusal.NOT_TURN
    assert game.play("cat", "1").refusal is Refusal.NOT_PLAYER
    assert game.turn == ANN and len(game.moves) == 6


def test_connect_four_board_has_the_column_numbers_under_their_cells() -> None:
    game = ConnectFour((ANN, BOB))
    play_all(game, "4455667")
    board = game.board()
    assert board == [
        "| .  .  .  .  .  .  . |",
        "| .  .  .  .  .  .  . |",
        "| .  .  .  .  .  .  . |",
        "| .  .  .  .  .  .  . |",
        "| .  .  .  O  O  O  . |",
        "| .  .  . [X][X][X][X]|",
        "+---------------------+",
        "  1  2  3  4  5  6  7  ",
    ]
    for column in range(7):
        assert board[-1][2 + 3 * column] == str(column + 1)
        assert board[4][2 + 3 * column] in ".O"
    assert_monospace(board)


def test_every_board_lines_up_in_monospace_all_game_long() -> None:
    game = ConnectFour((ANN, BOB))
    for move in CONNECT_FOUR_DRAW:
        assert_monospace(game.board())
        play_all(game, move)
    assert_monospace(game.board())
    ttt = TicTacToe((ANN, BOB))
    for move in "123546879":
        assert_monospace(ttt.board())
        play_all(ttt, move)


def test_a_saved_connect_four_game_carries_on_after_a_restart() -> None:
    game = ConnectFour((ANN, BOB))
    play_all(game, "121212")
    restored = BoardGame.from_json(game.to_json())
    assert isinstance(restored, ConnectFour)
    assert restored.board() == game.board() and restored.turn == ANN
    result = restored.play(ANN, "1")
    assert result.winner == ANN
