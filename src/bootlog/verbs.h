/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The `bootlog` program's verbs, one file each, dispatched from the table
 * in bootlog.c. Each parses its own options and returns the process exit
 * status (exit-status.h): 0 success, EXIT_DATA for a data problem (damaged
 * or missing file, nothing found), EXIT_USAGE for a usage error.
 */

int verb_record(int argc, char *argv[]);
int verb_tree(int argc, char *argv[]);
int verb_why(int argc, char *argv[]);
int verb_events(int argc, char *argv[]);
int verb_export(int argc, char *argv[]);
int verb_verify(int argc, char *argv[]);
int verb_plot(int argc, char *argv[]);
int verb_boots(int argc, char *argv[]);
int verb_stop(int argc, char *argv[]);
int verb_stats(int argc, char *argv[]);
int verb_diff(int argc, char *argv[]);
