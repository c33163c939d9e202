/*
 * incident-time.c — RFC 3339 timestamps for reporting deadlines.
 *
 * Deadlines are printed in the offset the caller wrote discovered_at in, so
 * we keep the offset (and its spelling: "Z", "+00:00", "-00:00") beside the
 * UTC instant. Calendar arithmetic uses Howard Hinnant's days-from-civil
 * algorithm (public domain description), which is exact for the proleptic
 * Gregorian calendar, so month ends and leap days need no special cases.
 * No libc time zone functions are used: results never depend on $TZ.
 */
#include "incident/incident.h"

#include <stdio.h>
#include <string.h>

bool gl_inc_is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned gl_inc_days_in_month(int64_t y, unsigned m)
{
    static const unsigned dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m < 1 || m > 12)
        return 0;
    if (m == 2 && gl_inc_is_leap(y))
        return 29;
    return dim[m - 1];
}

int64_t gl_inc_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;                                   /* [0, 399] */
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1; /* [0, 365] */
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void gl_inc_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* Read exactly n ASCII digits at s into *v. */
static bool read_digits(const char *s, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return true;
}

static bool fail(char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
    return false;
}

bool gl_inc_time_parse(const char *s, gl_inc_time *t, char *err, size_t errlen)
{
    int Y, M, D, h, mi, sec;
    memset(t, 0, sizeof(*t));
    /* fixed part: YYYY-MM-DDTHH:MM:SS (19 chars) */
    if (strlen(s) < 20)
        return fail(err, errlen, "not an RFC 3339 date-time with offset (YYYY-MM-DDTHH:MM:SS+HH:MM)");
    if (!read_digits(s, 4, &Y) || s[4] != '-' || !read_digits(s + 5, 2, &M) || s[7] != '-' ||
        !read_digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't') || !read_digits(s + 11, 2, &h) ||
        s[13] != ':' || !read_digits(s + 14, 2, &mi) || s[16] != ':' || !read_digits(s + 17, 2, &sec))
        return fail(err, errlen, "not an RFC 3339 date-time with offset (YYYY-MM-DDTHH:MM:SS+HH:MM)");
    if (Y < 1)
        return fail(err, errlen, "year 0000 is out of range");
    if (M < 1 || M > 12)
        return fail(err, errlen, "month out of range");
    if (D < 1 || (unsigned)D > gl_inc_days_in_month(Y, (unsigned)M))
        return fail(err, errlen, "day out of range for its month");
    if (h > 23 || mi > 59)
        return fail(err, errlen, "time of day out of range");
    if (sec > 59) /* a leap second cannot be placed without a leap-second table */
        return fail(err, errlen, "seconds out of range (leap seconds are not accepted)");
    const char *p = s + 19;
    if (*p == '.') {
        size_t n = 1;
        while (p[n] >= '0' && p[n] <= '9')
            n++;
        if (n == 1 || n > sizeof(t->frac) - 1)
            return fail(err, errlen, "fractional seconds must have 1 to 9 digits");
        memcpy(t->frac, p, n);
        t->frac[n] = '\0';
        p += n;
    }
    int off = 0;
    if (*p == 'Z' || *p == 'z') {
        t->zulu = true;
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (!read_digits(p + 1, 2, &oh) || p[3] != ':' || !read_digits(p + 4, 2, &om))
            return fail(err, errlen, "offset must be Z or +HH:MM / -HH:MM");
        if (oh > 23 || om > 59)
            return fail(err, errlen, "offset out of range");
        off = oh * 60 + om;
        if (*p == '-') {
            t->neg_zero = off == 0;
            off = -off;
        }
        p += 6;
    } else {
        return fail(err, errlen, "offset missing (a local time without offset is ambiguous)");
    }
    if (*p != '\0')
        return fail(err, errlen, "trailing characters after the offset");
    int64_t days = gl_inc_days_from_civil(Y, (unsigned)M, (unsigned)D);
    int64_t local = days * 86400 + h * 3600 + mi * 60 + sec;
    t->offset_min = off;
    t->utc = local - (int64_t)off * 60;
    return true;
}

bool gl_inc_time_format(const gl_inc_time *t, char *buf, size_t buflen)
{
    int64_t local = t->utc + (int64_t)t->offset_min * 60;
    int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    int64_t sod = local - days * 86400;
    int64_t y;
    unsigned m, d;
    gl_inc_civil_from_days(days, &y, &m, &d);
    if (y < 1 || y > 9999) {
        snprintf(buf, buflen, "out-of-range");
        return false;
    }
    char off[16];
    if (t->zulu) {
        snprintf(off, sizeof(off), "Z");
    } else {
        /* parse keeps |offset| <= 23:59 */
        unsigned a = (unsigned)(t->offset_min < 0 ? -t->offset_min : t->offset_min) % (24 * 60);
        char sign = (t->offset_min < 0 || t->neg_zero) ? '-' : '+';
        snprintf(off, sizeof(off), "%c%02u:%02u", sign, a / 60, a % 60);
    }
    snprintf(buf, buflen, "%04d-%02u-%02uT%02d:%02d:%02d%.10s%.6s", (int)y, m, d, (int)(sod / 3600),
             (int)(sod / 60 % 60), (int)(sod % 60), t->frac, off);
    return true;
}

gl_inc_time gl_inc_time_add(const gl_inc_time *t, int64_t sec)
{
    gl_inc_time r = *t;
    r.utc += sec;
    return r;
}
