/*
 * tz.h - time zones for timestamptz: IANA zones read from the system tzdata
 * (TZif files under /usr/share/zoneinfo, or $TZDIR), POSIX TZ strings
 * ("UTC+5", "<+09>-9", "CET-1CEST,M3.5.0,M10.5.0/3") and fixed offsets.
 *
 * A zone is loaded once, kept in a process-wide cache and never changed
 * afterwards, so threads share it read-only. The zone timestamptz text I/O
 * and the session-zone functions use is a per-thread setting that src/sql
 * sets from the session's TimeZone around each statement (as DateStyle);
 * NULL means UTC. Nothing here calls tzset or reads TZ.
 *
 * Instants are PostgreSQL timestamps (microseconds since 2000-01-01 UTC);
 * offsets are seconds east of UTC.
 */
#ifndef TYPES_TZ_H
#define TYPES_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct dt_zone dt_zone_t;

/* dt_zone_lookup - the zone a TimeZone value names (PostgreSQL's
 * check_timezone order: a number of hours east, then a tzdata name matched
 * case-insensitively, then a POSIX TZ string); NULL when it names none. */
const dt_zone_t *dt_zone_lookup(const char *name);
/* dt_zone_abbrev - the fixed offset of a zone abbreviation PostgreSQL knows
 * by default (PST, CET, JST ..., any case); -1 when it is none. */
int dt_zone_abbrev(const char *p, size_t n, int *off);
/* dt_zone_name - the canonical name (tzdata spelling; "<+09>-09" for a
 * number of hours); "UTC" for NULL. */
const char *dt_zone_name(const dt_zone_t *z);
/* dt_zone_offset - the UTC offset at instant ts; *abbr (when not NULL) gets
 * the zone abbreviation in effect ("CEST", "+09"). NULL is UTC. */
int dt_zone_offset(const dt_zone_t *z, int64_t ts, const char **abbr);
/* dt_zone_local_offset - the offset that makes local time `local` (a
 * timestamp read as wall-clock time) an instant: utc = local - offset. A
 * time in a spring-forward gap takes the offset before the transition, an
 * ambiguous one in a fall-back overlap the offset after it (PostgreSQL's
 * DetermineTimeZoneOffset). */
int dt_zone_local_offset(const dt_zone_t *z, int64_t local);
/* dt_zone_to_local / dt_zone_from_local - instant <-> wall-clock timestamp;
 * the infinities map to themselves. */
int64_t dt_zone_to_local(const dt_zone_t *z, int64_t ts);
int64_t dt_zone_from_local(const dt_zone_t *z, int64_t local);

/* dt_zone_set - sets this thread's session zone, returns the previous one. */
const dt_zone_t *dt_zone_set(const dt_zone_t *z);
const dt_zone_t *dt_zone_current(void);

/* dt_zone_cache_free - drops every loaded zone (tests, shutdown); no zone
 * may be in use. */
void dt_zone_cache_free(void);

#endif
