/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Logging for the programs. The core library only ever calls log_debug();
 * programs log each failure once, with context, at the place they handle it.
 *
 * All log_*_errno() helpers return the negative errno they were given, so a
 * failure can be logged and propagated in one statement:
 *
 *         return log_error_errno(r, "Failed to open '%s': %m", path);
 *
 * where %m expands to strerror(-r).
 */

#include <stdarg.h>
#include "macro.h"

enum log_level {
        LOG_LEVEL_ERR = 3,
        LOG_LEVEL_WARNING = 4,
        LOG_LEVEL_NOTICE = 5,
        LOG_LEVEL_INFO = 6,
        LOG_LEVEL_DEBUG = 7,
};

/* Sets the program name used as a prefix ("bootlog: ..."). */
void log_set_program(const char *name);
/* Messages above this level are dropped. Defaults to INFO, or DEBUG if $BOOTLOG_DEBUG is set. */
void log_set_max_level(enum log_level level);
enum log_level log_get_max_level(void);

/* Writes one line to stderr; returns -abs(error) (or 0 if error is 0). */
int log_internal(enum log_level level, int error, const char *format, ...) _printf_(3, 4);

#define log_full_errno(level, error, ...) log_internal((level), (error), __VA_ARGS__)
#define log_error_errno(error, ...)       log_full_errno(LOG_LEVEL_ERR, (error), __VA_ARGS__)
#define log_warning_errno(error, ...)     log_full_errno(LOG_LEVEL_WARNING, (error), __VA_ARGS__)
#define log_notice_errno(error, ...)      log_full_errno(LOG_LEVEL_NOTICE, (error), __VA_ARGS__)
#define log_info_errno(error, ...)        log_full_errno(LOG_LEVEL_INFO, (error), __VA_ARGS__)
#define log_debug_errno(error, ...)       log_full_errno(LOG_LEVEL_DEBUG, (error), __VA_ARGS__)
#define log_error(...)                    (void)log_full_errno(LOG_LEVEL_ERR, 0, __VA_ARGS__)
#define log_warning(...)                  (void)log_full_errno(LOG_LEVEL_WARNING, 0, __VA_ARGS__)
#define log_notice(...)                   (void)log_full_errno(LOG_LEVEL_NOTICE, 0, __VA_ARGS__)
#define log_info(...)                     (void)log_full_errno(LOG_LEVEL_INFO, 0, __VA_ARGS__)
#define log_debug(...)                                                                                      \
        do {                                                                                                \
                if (_unlikely_(log_get_max_level() >= LOG_LEVEL_DEBUG))                                     \
                        (void)log_full_errno(LOG_LEVEL_DEBUG, 0, __VA_ARGS__);                              \
        } while (0)

#define log_oom() log_error_errno(-ENOMEM, "Out of memory.")
