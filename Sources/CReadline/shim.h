#include <stdio.h>
#include <readline/readline.h>
#include <readline/history.h>

/* Readline's configuration lives in global variables, which Swift 6 will not touch directly:
   these accessors keep every use on the one thread that runs the editor. */

/* Callback mode without readline's own signal handlers (the caller handles SIGINT). */
static inline void chatctl_rl_configure(const char *name) {
    rl_readline_name = name;
    rl_catch_signals = 0;
}

/* Length of the line being edited. */
static inline int chatctl_rl_end(void) { return rl_end; }

/* Abandons the line being edited, as a shell does on Ctrl-C. */
static inline void chatctl_rl_discard_line(void) {
    rl_replace_line("", 0);
    rl_point = 0;
    rl_end = 0;
}

/* Flushes what readline has buffered for the terminal, before writing around it. */
static inline void chatctl_rl_flush(void) { fflush(rl_outstream ? rl_outstream : stdout); }
