/*
 * filescan.h - reading source files (file_fdw's csv and text formats) into
 * column batches, with PostgreSQL COPY FROM semantics.
 *
 * The options are file_fdw's (format, delimiter, header, null, quote,
 * escape); catalog_copy_opts_parse validates them with PostgreSQL's messages
 * and is shared by CREATE FOREIGN TABLE (src/catalog/ddl.c) and scans.
 *
 * A scan reads the file with large read() calls into one buffer and parses
 * each record straight into typed values: integers, dates and numerics are
 * converted while the field is being scanned, strings point into the read
 * buffer (no copy) unless they need unquoting. Records with anything unusual
 * (quotes, escapes, a value the fast converters do not take) go through a
 * general path that follows PostgreSQL's CopyReadAttributesCSV/Text and the
 * types' own input functions, so results and errors are PostgreSQL's.
 *
 * Errors carry PostgreSQL's SQLSTATE and message (22P02, 22003, 22007, 22001,
 * 22021, 22P04 "missing data for column", 58P01 "could not open file ... for
 * reading") and, in the detail, where: `file "PATH", line N, column C`.
 *
 * Memory: the scan and its buffer live in the arena given to open (a cleanup
 * closes the file if the scan is abandoned). Values handed out are valid until
 * the next call to catalog_filescan_next (they point into the read buffer or
 * into the scratch arena). Thread: a scan belongs to one thread at a time.
 */
#ifndef CATALOG_FILESCAN_H
#define CATALOG_FILESCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/mem.h"
#include "exec/exec.h"
#include "exec/rel.h"
#include "meta/meta.h"

/* COPY options of a source file. */
typedef struct catalog_copy_opts {
    const char *filename;
    bool csv;         /* format 'csv' (else 'text') */
    char delim;       /* ',' for csv, '\t' for text by default */
    char quote;       /* csv only; '"' */
    char escape;      /* csv only; defaults to quote */
    const char *null; /* "" for csv, "\N" for text by default */
    size_t null_len;
    int header;       /* 0 none, 1 skip the first line, 2 'match': check it names the columns */
} catalog_copy_opts_t;

#define CATALOG_HEADER_NONE 0
#define CATALOG_HEADER_SKIP 1
#define CATALOG_HEADER_MATCH 2

/* catalog_copy_opts_parse - validates file_fdw table options (filename,
 * format, header, delimiter, quote, escape, null, encoding) as PostgreSQL's
 * file_fdw validator and ProcessCopyOptions do: HV00D unknown option, HV002
 * no filename, 22023/0A000/42601 bad values, 42710 repeated option. Strings
 * in *out point into opts or static storage. program is refused (0A000). */
int catalog_copy_opts_parse(const meta_option_t *opts, size_t n, catalog_copy_opts_t *out, err_t *err) MUST_CHECK;

typedef struct catalog_filescan catalog_filescan_t;

/* catalog_filescan_open - opens o->filename for a scan producing ncols
 * columns (cols: names for errors and header matching, types, typmods);
 * needed[c] false skips converting column c (NULL: all needed). relname names
 * the table in messages. 58P01 / 42501 / 58030 when the file cannot be opened. */
int catalog_filescan_open(mem_arena_t *a, const char *relname, const catalog_copy_opts_t *o, int ncols,
                          const exec_relcol_t *cols, const bool *needed, catalog_filescan_t **out,
                          err_t *err) MUST_CHECK;
/* catalog_filescan_next - fills out->cols[c][0..n) (n <= out->nrows on
 * entry) for the needed columns and sets out->nrows = n; 0 rows means the
 * end. scratch holds unquoted strings and numerics; the caller resets it
 * between calls. -1 with err set on a bad row or a read error. */
int catalog_filescan_next(catalog_filescan_t *s, exec_batch_t *out, mem_arena_t *scratch, err_t *err) MUST_CHECK;
/* catalog_filescan_close - closes the file now (else the arena's cleanup does). */
void catalog_filescan_close(catalog_filescan_t *s);
/* catalog_filescan_bytes - bytes read so far (for progress and benchmarks). */
uint64_t catalog_filescan_bytes(const catalog_filescan_t *s);

/* ---- one file, several readers ---- */

/* A byte range of a file that starts and ends at record boundaries. */
typedef struct catalog_filepart {
    uint64_t start, end; /* [start, end); end UINT64_MAX: to the end of the file */
    int64_t line_base;   /* records before start, the header included (error line numbers stay absolute) */
} catalog_filepart_t;

/* catalog_filescan_split - cuts o->filename into at most want parts (each
 * at least catalog_filescan_set_min_part bytes, default 16 MB) whose scans
 * together read every record once, for parallel scans (rows in no
 * particular order). It reads the whole file once, on up to want threads,
 * to find record ends: a csv quoted field or a text escaped newline is
 * never cut. *nparts is 1, the whole file, when the file is small, not a
 * regular file, or cannot be cut exactly ("\." end-of-data lines, a csv
 * escape other than the quote, a read error: the one reader reports it).
 * Parts live in a. Blocking: a worker thread. */
int catalog_filescan_split(const catalog_copy_opts_t *o, int want, mem_arena_t *a, catalog_filepart_t **parts,
                           int *nparts, err_t *err) MUST_CHECK;
/* catalog_filescan_open_part - catalog_filescan_open for one part: only the
 * part at offset 0 has the header; errors name absolute line numbers. */
int catalog_filescan_open_part(mem_arena_t *a, const char *relname, const catalog_copy_opts_t *o, int ncols,
                               const exec_relcol_t *cols, const bool *needed, const catalog_filepart_t *part,
                               catalog_filescan_t **out, err_t *err) MUST_CHECK;
/* catalog_filescan_set_min_part - the smallest part split makes (tests cut
 * small files; 0 means 1 byte). Process-wide; set before scans start. */
void catalog_filescan_set_min_part(uint64_t bytes);
/* catalog_filescan_set_index - whether the fast path may index a record's
 * delimiters first (on by default); off, it walks every record byte by
 * byte. Tests compare the two. Process-wide; set before scans start. */
void catalog_filescan_set_index(bool on);

#endif
