/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The `bootlog` program: one file per subcommand, dispatched from the table
 * in bootlog.c. Each verb parses its own options and returns the process exit
 * status: 0 success, 1 data problem (damaged or missing file, nothing found),
 * 2 usage error.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "format.h"
#include "model.h"
#include "reader.h"

#include "exit-status.h"
#include "options.h"
#include "recording.h"

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
