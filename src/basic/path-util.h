/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Path names, as strings: no file system access. */

/* What follows the last '/' of path ("sendmail" for "/usr/sbin/sendmail"); path itself if it has none. */
const char *path_basename(const char *path);
