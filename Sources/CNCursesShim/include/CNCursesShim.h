#ifndef CNCURSES_SHIM_FUNCTIONS_H
#define CNCURSES_SHIM_FUNCTIONS_H
#include <stdbool.h>

/// Functions over the ncurses macros Swift cannot import. The console uses nothing else from
/// ncurses directly except what CNCurses imports as real functions.

/// Starts curses on the terminal named by $TERM; returns 0, or -1 when the terminal is unusable.
int hubcurses_start(void);
/// Restores the terminal; safe to call more than once.
void hubcurses_stop(void);
/// Colours the terminal offers (0 when it has none).
int hubcurses_colors(void);
int hubcurses_color_pairs(void);
int hubcurses_lines(void);
int hubcurses_cols(void);
/// Defines colour pair `pair` (fg/bg: -1 = terminal default). Returns 0 on success.
int hubcurses_init_pair(int pair, int fg, int bg);
/// Draws UTF-8 text at (y, x) with attributes and a colour pair (0 = none).
void hubcurses_draw(int y, int x, const char *utf8, bool bold, bool dim, bool reverse, bool underline, int pair);
/// Clears the whole screen on the next update (after a resize or a theme change).
void hubcurses_clear(void);
/// Marks stdscr for the next doupdate and performs it.
void hubcurses_update(void);
/// Reads one key, waiting at most `timeout_ms` (-1 = forever). Returns -1 on timeout.
/// Sets *is_function when the code is a KEY_* constant rather than a character.
int hubcurses_read(int timeout_ms, bool *is_function);
int hubcurses_key_f(int n);
#endif
