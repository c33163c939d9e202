/*
 * workday.c — Chinese working-day arithmetic for deadlines counted in
 * working days (NFRA: "within 5 working days").
 *
 * A day is a rest day if the State Council General Office's annual notice
 * puts it in a holiday, or it is a Saturday/Sunday that the notice does not
 * make a working day (调休上班). The notices are shipped as hand-written data
 * in data/calendar/cn-YYYY.json, one file per year, each citing its notice.
 * A year without a file is never guessed: callers get "not covered".
 *
 * Each holiday range carries the day count the notice states ("共8天") and
 * the loader checks it, so a typo in a date does not slip through silently.
 */
#include "incident/incident.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define GL_CAL_MAX_FILE (64u * 1024u)

static bool cal_err(char *err, size_t errlen, const char *what, const char *msg)
{
    snprintf(err, errlen, "%s: %s", what, msg);
    return false;
}

/* "YYYY-MM-DD" -> days since epoch. */
static bool parse_date(const char *s, int64_t *day, int *year)
{
    int y = 0, m = 0, d = 0;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            if (s[i] != '-')
                return false;
        } else if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    if (s[10] != '\0')
        return false;
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1 || m < 1 || m > 12 || d < 1 || (unsigned)d > gl_inc_days_in_month(y, (unsigned)m))
        return false;
    *day = gl_inc_days_from_civil(y, (unsigned)m, (unsigned)d);
    *year = y;
    return true;
}

static bool date_member(json_t *obj, const char *key, int want_year, int64_t *day)
{
    json_t *v = json_object_get(obj, key);
    int y;
    return json_is_string(v) && parse_date(json_string_value(v), day, &y) && y == want_year;
}

/* 0 = Monday .. 6 = Sunday; 1970-01-01 was a Thursday. */
static int weekday(int64_t day)
{
    int64_t w = (day + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

static bool load_holidays(gl_cal_year *cy, json_t *arr, char *err, size_t errlen)
{
    if (!json_is_array(arr))
        return cal_err(err, errlen, "calendar.holidays", "must be an array");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *h = json_array_get(arr, i);
        json_t *days = json_object_get(h, "days");
        int64_t from, to;
        if (!json_is_object(h) || !date_member(h, "from", cy->year, &from) || !date_member(h, "to", cy->year, &to) ||
            to < from || !json_is_integer(days))
            return cal_err(err, errlen, "calendar.holidays", "each entry needs from/to dates in the file's year and days");
        if (json_integer_value(days) != to - from + 1)
            return cal_err(err, errlen, "calendar.holidays", "days does not match the from..to range");
        for (int64_t d = from; d <= to; d++) {
            if (cy->n_holidays >= GL_CAL_MAX_DAYS)
                return cal_err(err, errlen, "calendar.holidays", "too many days");
            cy->holidays[cy->n_holidays++] = d;
        }
    }
    return true;
}

static bool load_workdays(gl_cal_year *cy, json_t *arr, char *err, size_t errlen)
{
    if (!json_is_array(arr))
        return cal_err(err, errlen, "calendar.workdays", "must be an array");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *w = json_array_get(arr, i);
        int64_t d;
        if (!json_is_object(w) || !date_member(w, "date", cy->year, &d))
            return cal_err(err, errlen, "calendar.workdays", "each entry needs a date in the file's year");
        if (weekday(d) < 5)
            return cal_err(err, errlen, "calendar.workdays", "a make-up workday must fall on a weekend");
        if (cy->n_workdays >= GL_CAL_MAX_DAYS)
            return cal_err(err, errlen, "calendar.workdays", "too many days");
        cy->workdays[cy->n_workdays++] = d;
    }
    return true;
}

bool gl_cal_load_year_json(gl_calendar *cal, const char *json, size_t len, char *err, size_t errlen)
{
    json_error_t je;
    if (cal->n_years >= GL_CAL_MAX_YEARS)
        return cal_err(err, errlen, "calendar", "too many years loaded");
    if (len > GL_CAL_MAX_FILE)
        return cal_err(err, errlen, "calendar", "file too large");
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return cal_err(err, errlen, "calendar", "malformed JSON");
    gl_cal_year *cy = &cal->years[cal->n_years];
    memset(cy, 0, sizeof(*cy));
    json_t *year = json_object_get(root, "year");
    json_t *src = json_object_get(root, "source");
    bool ok = false;
    if (!json_is_integer(year) || json_integer_value(year) < 1 || json_integer_value(year) > 9999)
        cal_err(err, errlen, "calendar.year", "must be an integer year");
    else if (!json_is_string(src) || json_string_length(src) == 0)
        cal_err(err, errlen, "calendar.source", "must cite the notice the data comes from");
    else if (gl_cal_covers(cal, (int)json_integer_value(year)))
        cal_err(err, errlen, "calendar.year", "year loaded twice");
    else {
        cy->year = (int)json_integer_value(year);
        snprintf(cy->source, sizeof(cy->source), "%s", json_string_value(src));
        ok = load_holidays(cy, json_object_get(root, "holidays"), err, errlen) &&
             load_workdays(cy, json_object_get(root, "workdays"), err, errlen);
    }
    json_decref(root);
    if (ok)
        cal->n_years++;
    return ok;
}

bool gl_cal_load_year_file(gl_calendar *cal, const char *path, char *err, size_t errlen)
{
    static char buf[GL_CAL_MAX_FILE + 1];
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "calendar: cannot open %s", path);
        return false;
    }
    size_t n = fread(buf, 1, sizeof(buf), fp);
    bool rerr = ferror(fp);
    fclose(fp);
    if (rerr || n > GL_CAL_MAX_FILE) {
        snprintf(err, errlen, "calendar: cannot read %s (or larger than %u bytes)", path, GL_CAL_MAX_FILE);
        return false;
    }
    return gl_cal_load_year_json(cal, buf, n, err, errlen);
}

bool gl_cal_load_dir(gl_calendar *cal, const char *dir, int from_year, int to_year, char *err, size_t errlen)
{
    for (int y = from_year; y <= to_year; y++) {
        char path[4096];
        if (gl_cal_covers(cal, y))
            continue;
        snprintf(path, sizeof(path), "%s/cn-%04d.json", dir, y);
        if (!gl_cal_load_year_file(cal, path, err, errlen))
            return false;
    }
    return true;
}

static const gl_cal_year *find_year(const gl_calendar *cal, int year)
{
    for (size_t i = 0; i < cal->n_years; i++)
        if (cal->years[i].year == year)
            return &cal->years[i];
    return NULL;
}

bool gl_cal_covers(const gl_calendar *cal, int year)
{
    return find_year(cal, year) != NULL;
}

static bool in_list(const int64_t *a, size_t n, int64_t d)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] == d)
            return true;
    return false;
}

int gl_cal_is_workday(const gl_calendar *cal, int64_t day)
{
    int64_t y;
    unsigned m, d;
    gl_inc_civil_from_days(day, &y, &m, &d);
    const gl_cal_year *cy = find_year(cal, (int)y);
    if (!cy)
        return -1;
    if (in_list(cy->holidays, cy->n_holidays, day))
        return 0;
    if (weekday(day) >= 5)
        return in_list(cy->workdays, cy->n_workdays, day) ? 1 : 0;
    return 1;
}

int64_t gl_cal_add_workdays(const gl_calendar *cal, int64_t day, int n)
{
    /* bounded: n working days never need more than a year and a half */
    for (int64_t d = day + 1, left = n; d <= day + 550; d++) {
        int w = gl_cal_is_workday(cal, d);
        if (w < 0)
            return -1;
        if (w == 1 && --left == 0)
            return d;
    }
    return -1;
}
