/* report_html: the HTML page of a run (--html FILE), one self-contained file to attach to
 * a ticket: inline CSS and SVG, no script, and a Content-Security-Policy that forbids every
 * fetch. It shows a summary (each cell with its parameters, verdict and reason line) and,
 * per cell: the sockets in each state over time (the pile-up), a lane per connection with
 * its states, held and orphaned phases, the kernel timer and the packets, a histogram of
 * the FIN_WAIT2 lifetimes under the expected range, the expectations and the counters.
 *
 * The page is written from the JSON report's text (report.h, docs/DESIGN.md), so that
 * every command that has that document (`finwait run`, `merge`, `watch`) can write it.
 * The text is read as a stream: a cell's connections are taken one at a time and folded
 * into bounded aggregates (the first lanes, lanes grouped by shape, binned curves), so
 * that a cell of 100 000 connections costs memory and page size of a few lanes. Keys the
 * writer does not know are ignored; "series", "counters" and each connection's "packets"
 * are drawn when present. Pure: no system call beyond the two streams (and a temporary
 * file in report_write_html()). */
#ifndef FINWAIT_REPORT_HTML_H
#define FINWAIT_REPORT_HTML_H

#include <stdio.h>

#include "err.h"
#include "report.h"

/* Lanes drawn one per connection up to this many; above it, lanes are grouped by shape. */
#define REPORT_HTML_LANES 40

/* Writes the page of the JSON report read from json (the document report_write_json()
 * writes: a header object whose "cells" array holds one object per cell) to out. name
 * is json's name for messages ("-" for stdin). Returns 0; -EINVAL when json is not such
 * a document (err says where: name:line); -ENOMEM; -EIO when out cannot be written. */
int report_html_from_json(FILE *json, const char *name, FILE *out, struct fw_err *err);

/* The page of report r, written to f: r's JSON streamed through an unlinked temporary
 * file into report_html_from_json(). The signature of the other writers (report.h).
 * Returns 0, -ENOMEM, -EIO, or -errno from tmpfile(). */
int report_write_html(const struct report *r, FILE *f);

/* The page of the JSON that json writes from data (a writer of report_out.h's kind:
 * `finwait merge` has its joined JSON), streamed through an unlinked temporary file into
 * report_html_from_json(). Returns as report_write_html(). */
int report_html_via_json(int (*json)(const void *data, FILE *f), const void *data, FILE *f);

#endif
