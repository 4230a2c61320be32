/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which command lines a recording keeps; see argv-policy.h. */
#include <fnmatch.h>
#include <stdarg.h>

#include "argv-policy.h"

struct bl_argv_policy {
        enum bl_argv_mode mode;
        char **patterns; /* NULL-terminated; MATCH only */
        size_t n;
};

static const char separators[] = ", \t\n";

_printf_(2, 3) static int fail(char **ret_error, const char *fmt, ...)
{
        va_list ap;

        if (ret_error) {
                va_start(ap, fmt);
                if (vasprintf(ret_error, fmt, ap) < 0)
                        *ret_error = NULL;
                va_end(ap);
        }
        return -EINVAL;
}

/*
 * fnmatch() takes an unterminated '[' and a trailing '\' literally; here they
 * are typing mistakes worth a message, not patterns meant to match "[" or "\".
 */
static const char *pattern_problem(const char *p)
{
        for (; *p; p++) {
                if (*p == '\\') {
                        if (!p[1])
                                return "ends in a lone '\\'";
                        p++;
                } else if (*p == '[') {
                        const char *q = p + 1;

                        if (*q == '!' || *q == '^')
                                q++;
                        if (*q == ']') /* a ']' first in the set is one of its characters */
                                q++;
                        while (*q && *q != ']')
                                q++;
                        if (!*q)
                                return "has a '[' without its ']'";
                        p = q;
                }
        }
        return NULL;
}

struct bl_argv_policy *bl_argv_policy_free(struct bl_argv_policy *p)
{
        if (!p)
                return NULL;
        strv_free(p->patterns);
        free(p);
        return NULL;
}

static void argv_policy_freep(struct bl_argv_policy **p)
{
        bl_argv_policy_free(*p);
}

int bl_argv_policy_parse(const char *text, struct bl_argv_policy **ret, char **ret_error)
{
        _cleanup_(argv_policy_freep) struct bl_argv_policy *p = NULL;
        size_t len;

        if (ret_error)
                *ret_error = NULL;
        if (!text)
                return fail(ret_error, "no argv policy given: use all, none, or a list of patterns");

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;

        text += strspn(text, " \t\n");
        len = strlen(text);
        while (len > 0 && strchr(" \t\n", text[len - 1]))
                len--;
        if (len == 0)
                return fail(ret_error, "empty argv policy: use all, none, or a list of patterns");
        if (len == 3 && memcmp(text, "all", 3) == 0) {
                p->mode = BL_ARGV_ALL;
                *ret = TAKE_PTR(p);
                return 0;
        }
        if (len == 4 && memcmp(text, "none", 4) == 0) {
                p->mode = BL_ARGV_NONE;
                *ret = TAKE_PTR(p);
                return 0;
        }

        p->mode = BL_ARGV_MATCH;
        p->patterns = calloc(1, sizeof(char *));
        if (!p->patterns)
                return -ENOMEM;
        for (size_t i = 0; i < len;) {
                const char *problem;
                size_t n, commas = 0;
                char **l, *pat;

                /* Any run of separators between two patterns, with at most one comma in it. */
                while (i < len && strchr(separators, text[i])) {
                        if (text[i] == ',' && ++commas > 1)
                                return fail(ret_error,
                                            "empty pattern between two commas at position %zu of '%.*s'",
                                            i + 1, (int)len, text);
                        i++;
                }
                if (i == len)
                        return fail(ret_error, "the argv policy '%.*s' ends in a comma", (int)len, text);
                if (p->n == 0 && commas > 0)
                        return fail(ret_error, "the argv policy '%.*s' starts with a comma", (int)len, text);

                n = strcspn(text + i, separators);
                if (i + n > len)
                        n = len - i;
                if (n > BL_ARGV_POLICY_PATTERN_MAX)
                        return fail(ret_error, "a pattern of the argv policy is longer than %d characters",
                                    BL_ARGV_POLICY_PATTERN_MAX);
                if ((n == 3 && memcmp(text + i, "all", 3) == 0) ||
                    (n == 4 && memcmp(text + i, "none", 4) == 0))
                        return fail(ret_error,
                                    "'%.*s' cannot be combined with patterns in the argv policy '%.*s'",
                                    (int)n, text + i, (int)len, text);
                if (p->n >= BL_ARGV_POLICY_PATTERNS_MAX)
                        return fail(ret_error, "the argv policy has more than %d patterns",
                                    BL_ARGV_POLICY_PATTERNS_MAX);

                pat = strndup(text + i, n);
                if (!pat)
                        return -ENOMEM;
                problem = pattern_problem(pat);
                if (problem) {
                        int r = fail(ret_error, "the pattern '%s' of the argv policy %s", pat, problem);

                        free(pat);
                        return r;
                }
                l = reallocarray(p->patterns, p->n + 2, sizeof(char *));
                if (!l) {
                        free(pat);
                        return -ENOMEM;
                }
                p->patterns = l;
                p->patterns[p->n++] = pat;
                p->patterns[p->n] = NULL;
                i += n;
        }

        *ret = TAKE_PTR(p);
        return 0;
}

enum bl_argv_mode bl_argv_policy_mode(const struct bl_argv_policy *p)
{
        return p ? p->mode : BL_ARGV_ALL;
}

static bool matches(const char *pattern, const char *s)
{
        return s && *s && fnmatch(pattern, s, 0) == 0;
}

bool bl_argv_policy_keep(const struct bl_argv_policy *p, const struct bl_proc_info *info)
{
        const char *argv0;

        if (!p || p->mode == BL_ARGV_ALL)
                return true;
        if (p->mode != BL_ARGV_MATCH || !info)
                return false;

        argv0 = info->argv ? info->argv[0] : NULL;
        for (size_t i = 0; i < p->n; i++)
                if (matches(p->patterns[i], info->exe) || matches(p->patterns[i], info->comm) ||
                    matches(p->patterns[i], argv0))
                        return true;
        return false;
}

bool bl_argv_policy_apply(const struct bl_argv_policy *p, struct bl_proc_info *info)
{
        if (!info || !info->argv || !info->argv[0])
                return false;
        if (bl_argv_policy_keep(p, info))
                return false;
        info->argv = strv_free(info->argv);
        info->argv_truncated = false;
        info->argv_withheld = true;
        return true;
}
