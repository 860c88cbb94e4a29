/* The X-Amz-Date of a signing time, formatted with integer arithmetic
 * instead of gmtime_r and strftime. */
#include "sigv4_internal.h"

/* 9999-12-31T23:59:59Z: X-Amz-Date has a four-digit year. */
#define LAST_SECOND 253402300799LL

static void put_digits(char *out, unsigned value, int count)
{
    for (int i = count - 1; i >= 0; i--) {
        out[i] = (char)('0' + value % 10);
        value /= 10;
    }
}

int sigv4_format_amz_date(time_t time, char out[SIGV4_AMZ_DATE_LEN + 1])
{
    if (time < 0 || (long long)time > LAST_SECOND)
        return -1;

    long long days = (long long)time / 86400;
    unsigned seconds = (unsigned)((long long)time % 86400);

    /* Civil date from days since 1970-01-01, in the proleptic Gregorian
     * calendar, counting eras of 400 years from 0000-03-01 (the algorithm
     * of Howard Hinnant's "chrono-Compatible Low-Level Date Algorithms").
     * days is never negative here, so neither is anything below. */
    long long z = days + 719468;
    long long era = z / 146097;
    unsigned day_of_era = (unsigned)(z - era * 146097);
    unsigned year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    unsigned day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    unsigned month_from_march = (5 * day_of_year + 2) / 153;
    unsigned day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    unsigned month = month_from_march < 10 ? month_from_march + 3 : month_from_march - 9;
    unsigned year = (unsigned)(year_of_era + era * 400) + (month <= 2);

    put_digits(out, year, 4);
    put_digits(out + 4, month, 2);
    put_digits(out + 6, day, 2);
    out[8] = 'T';
    put_digits(out + 9, seconds / 3600, 2);
    put_digits(out + 11, seconds / 60 % 60, 2);
    put_digits(out + 13, seconds % 60, 2);
    out[15] = 'Z';
    out[16] = '\0';
    return 0;
}
