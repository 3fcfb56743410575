#define _XOPEN_SOURCE 700
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>
#include <ncursesw/curses.h>
#include "CNCursesShim.h"

static SCREEN *screen = NULL;

int hubcurses_start(void) {
    screen = newterm(NULL, stdout, stdin);
    if (screen == NULL) return -1;
    set_term(screen);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    if (has_colors()) {
        start_color();
        use_default_colors();
    }
    return 0;
}

void hubcurses_stop(void) {
    if (screen == NULL) return;
    endwin();
    delscreen(screen);
    screen = NULL;
}

int hubcurses_colors(void) { return has_colors() ? COLORS : 0; }
int hubcurses_color_pairs(void) { return has_colors() ? COLOR_PAIRS : 0; }
int hubcurses_lines(void) { return getmaxy(stdscr); }
int hubcurses_cols(void) { return getmaxx(stdscr); }

int hubcurses_init_pair(int pair, int fg, int bg) {
    return init_extended_pair(pair, fg, bg) == OK ? 0 : -1;
}

void hubcurses_draw(int y, int x, const char *utf8, bool bold, bool dim, bool reverse, bool underline, int pair) {
    attr_t attrs = A_NORMAL;
    if (bold) attrs |= A_BOLD;
    if (dim) attrs |= A_DIM;
    if (reverse) attrs |= A_REVERSE;
    if (underline) attrs |= A_UNDERLINE;
    wattr_set(stdscr, attrs, 0, &pair);
    mvwaddstr(stdscr, y, x, utf8);
}

void hubcurses_clear(void) { clearok(stdscr, TRUE); werase(stdscr); }

void hubcurses_update(void) {
    wnoutrefresh(stdscr);
    doupdate();
}

int hubcurses_read(int timeout_ms, bool *is_function) {
    wint_t ch = 0;
    wtimeout(stdscr, timeout_ms);
    int rc = wget_wch(stdscr, &ch);
    if (rc == ERR) { *is_function = false; return -1; }
    *is_function = (rc == KEY_CODE_YES);
    return (int)ch;
}

int hubcurses_key_f(int n) { return KEY_F(n); }
