/*
 * DynamoDB JSON checks and item size.
 *
 * Item size follows the rules in the DynamoDB Developer Guide ("Item
 * sizes and formats"). An attribute costs the UTF-8 length of its name
 * plus its value. S is its UTF-8 length, B its decoded length, BOOL and
 * NULL 1 byte each. M and L cost 3 bytes plus their elements plus 1 byte
 * per element (and the key length for M), and a set the sum of its members.
 * NOTE: the guide gives N only approximately, as 1 byte per two
 * significant digits plus 1 byte, so sizes of number-heavy items are
 * estimates.
 */
#include "ddb_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_MAX_LEN 512

/* A number reduced to sign, significant digits and decimal exponent, so
 * that "1.50" and "15e-1" compare equal. */
struct number_form {
    char canonical[64];
    size_t significant_digits;
};

struct checker {
    ddb_json_problem_fn report;
    void *context;
    size_t problems;
    char path[PATH_MAX_LEN];
    size_t path_len;
};

static void report_problem(struct checker *checker, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void report_problem(struct checker *checker, const char *fmt, ...)
{
    char message[512];
    va_list args;

    va_start(args, fmt);
    vsnprintf(message, sizeof(message), fmt, args);
    va_end(args);

    checker->problems++;
    if (checker->report != NULL)
        checker->report(checker->context, checker->path, message);
}

/* Appends a path segment and returns the old length for path_restore. */
static size_t path_push(struct checker *checker, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static size_t path_push(struct checker *checker, const char *fmt, ...)
{
    size_t old_len = checker->path_len;
    size_t room = sizeof(checker->path) - old_len;
    va_list args;
    int written;

    va_start(args, fmt);
    written = vsnprintf(checker->path + old_len, room, fmt, args);
    va_end(args);

    if (written < 0)
        checker->path[old_len] = '\0';
    else if ((size_t)written >= room)
        checker->path_len = sizeof(checker->path) - 1;
    else
        checker->path_len = old_len + (size_t)written;
    return old_len;
}

static void path_restore(struct checker *checker, size_t len)
{
    checker->path_len = len;
    checker->path[len] = '\0';
}

static void format_error(char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void format_error(char *err, size_t err_len, const char *fmt, ...)
{
    va_list args;

    if (err == NULL || err_len == 0)
        return;
    va_start(args, fmt);
    vsnprintf(err, err_len, fmt, args);
    va_end(args);
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int parse_number(const char *text, struct number_form *form,
                        char *err, size_t err_len)
{
    const char *p = text;
    const char *int_start;
    const char *frac_start = NULL;
    size_t int_len;
    size_t frac_len = 0;
    size_t total;
    size_t first = 0;
    size_t last = 0;
    int found = 0;
    int negative = 0;
    long long exponent = 0;
    long long adjusted;

    if (*p == '-') {
        negative = 1;
        p++;
    }

    int_start = p;
    while (is_digit(*p))
        p++;
    int_len = (size_t)(p - int_start);
    if (int_len == 0) {
        format_error(err, err_len, "\"%.40s\" is not a number: it must start "
                     "with a digit, after an optional minus (e.g. \"-12.5e3\")",
                     text);
        return -1;
    }

    if (*p == '.') {
        p++;
        frac_start = p;
        while (is_digit(*p))
            p++;
        frac_len = (size_t)(p - frac_start);
        if (frac_len == 0) {
            format_error(err, err_len, "\"%.40s\" is not a number: a decimal "
                         "point must be followed by digits", text);
            return -1;
        }
    }

    if (*p == 'e' || *p == 'E') {
        int exponent_negative = 0;

        p++;
        if (*p == '+' || *p == '-') {
            exponent_negative = *p == '-';
            p++;
        }
        if (!is_digit(*p)) {
            format_error(err, err_len, "\"%.40s\" is not a number: the "
                         "exponent needs digits", text);
            return -1;
        }
        while (is_digit(*p)) {
            /* Saturate: anything this large is out of range anyway. */
            if (exponent < 1000000)
                exponent = exponent * 10 + (*p - '0');
            p++;
        }
        if (exponent_negative)
            exponent = -exponent;
    }

    if (*p != '\0') {
        format_error(err, err_len, "\"%.40s\" is not a number: unexpected "
                     "character '%c'; use digits, one '.', and an exponent "
                     "like e-3", text, *p);
        return -1;
    }

    /* The mantissa digits are int_start[0..int_len) then frac_start[0..frac_len). */
    total = int_len + frac_len;
    for (size_t i = 0; i < total; i++) {
        char digit = i < int_len ? int_start[i] : frac_start[i - int_len];

        if (digit == '0')
            continue;
        if (!found)
            first = i;
        found = 1;
        last = i;
    }

    if (!found) {
        snprintf(form->canonical, sizeof(form->canonical), "0");
        form->significant_digits = 0;
        return 0;
    }

    form->significant_digits = last - first + 1;
    if (form->significant_digits > DDB_JSON_NUMBER_MAX_DIGITS) {
        format_error(err, err_len, "\"%.40s%s\" has %zu significant digits; "
                     "DynamoDB keeps at most %u", text,
                     strlen(text) > 40 ? "..." : "",
                     form->significant_digits, DDB_JSON_NUMBER_MAX_DIGITS);
        return -1;
    }

    /* Decimal exponent of the first significant digit: d.ddd x 10^adjusted. */
    adjusted = (long long)int_len - 1 - (long long)first + exponent;
    if (adjusted > 125 || adjusted < -130) {
        format_error(err, err_len, "\"%.40s%s\" is out of range: DynamoDB "
                     "numbers are 0 or have a magnitude from 1E-130 to "
                     "9.9999999999999999999999999999999999999E+125", text,
                     strlen(text) > 40 ? "..." : "");
        return -1;
    }

    {
        char *out = form->canonical;

        if (negative)
            *out++ = '-';
        for (size_t i = first; i <= last; i++)
            *out++ = i < int_len ? int_start[i] : frac_start[i - int_len];
        snprintf(out, sizeof(form->canonical) - (size_t)(out - form->canonical),
                 "e%lld", adjusted);
    }
    return 0;
}

int ddb_json_check_number(const char *text, char *err, size_t err_len)
{
    struct number_form form;

    return parse_number(text, &form, err, err_len);
}

static int base64_digit(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/*
 * Decodes standard padded base64 (RFC 4648 section 4). out may be NULL to
 * only validate and measure. Otherwise it needs room for len / 4 * 3 bytes.
 */
static int decode_base64(const char *text, size_t len, unsigned char *out,
                         size_t *out_len, char *err, size_t err_len)
{
    size_t padding = 0;
    size_t written = 0;

    if (len % 4 != 0) {
        format_error(err, err_len, "is not base64: its length %zu is not a "
                     "multiple of 4; pad it with '='", len);
        return -1;
    }
    if (len > 0 && text[len - 1] == '=')
        padding++;
    if (len > 1 && text[len - 2] == '=')
        padding++;
    if (padding == 1 && len > 1 && text[len - 2] == '=') {
        format_error(err, err_len, "is not base64: '=' appears before the end");
        return -1;
    }

    for (size_t i = 0; i < len; i += 4) {
        unsigned int bits = 0;
        size_t digits = i + 4 == len ? 4 - padding : 4;

        for (size_t j = 0; j < 4; j++) {
            int value = 0;

            if (j < digits) {
                value = base64_digit((unsigned char)text[i + j]);
                if (value < 0) {
                    format_error(err, err_len, "is not base64: invalid "
                                 "character at offset %zu; use A-Z a-z 0-9 + / "
                                 "and '=' padding", i + j);
                    return -1;
                }
            }
            bits = bits << 6 | (unsigned int)value;
        }

        for (size_t j = 0; j < digits - 1; j++) {
            if (out != NULL)
                out[written] = (unsigned char)(bits >> (16 - 8 * j));
            written++;
        }
    }

    *out_len = written;
    return 0;
}

/* Checks a base64 text and returns its decoded bytes (caller frees). */
static unsigned char *decode_binary(const char *text, size_t *out_len,
                                    char *err, size_t err_len)
{
    size_t len = strlen(text);
    unsigned char *bytes = malloc(len / 4 * 3 + 1);

    if (bytes == NULL) {
        format_error(err, err_len, "out of memory decoding base64");
        return NULL;
    }
    if (decode_base64(text, len, bytes, out_len, err, err_len) != 0) {
        free(bytes);
        return NULL;
    }
    return bytes;
}

static const char *const value_types[] = {
    "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS",
};

const char *ddb_json_value_type(const json_t *value)
{
    const char *key;

    if (!json_is_object(value) || json_object_size(value) != 1)
        return NULL;
    key = json_object_iter_key(json_object_iter((json_t *)value));
    for (size_t i = 0; i < sizeof(value_types) / sizeof(value_types[0]); i++) {
        if (strcmp(key, value_types[i]) == 0)
            return value_types[i];
    }
    return NULL;
}

static void check_value(struct checker *checker, const json_t *value,
                        unsigned int depth);

static void check_string(struct checker *checker, const json_t *member)
{
    if (!json_is_string(member))
        report_problem(checker, "an S value must be a JSON string");
}

static void check_number(struct checker *checker, const json_t *member)
{
    char err[256];
    struct number_form form;

    if (!json_is_string(member)) {
        report_problem(checker, "an N value must be a JSON string holding the "
                       "number, e.g. {\"N\": \"42\"}");
        return;
    }
    if (parse_number(json_string_value(member), &form, err, sizeof(err)) != 0)
        report_problem(checker, "%s", err);
}

static void check_binary(struct checker *checker, const json_t *member)
{
    char err[256];
    size_t len;

    if (!json_is_string(member)) {
        report_problem(checker, "a B value must be a JSON string in base64");
        return;
    }
    if (decode_base64(json_string_value(member), json_string_length(member),
                      NULL, &len, err, sizeof(err)) != 0)
        report_problem(checker, "the B value %s", err);
}

static void check_map(struct checker *checker, const json_t *member,
                      unsigned int depth)
{
    const char *key;
    json_t *element;

    if (!json_is_object(member)) {
        report_problem(checker, "an M value must be a JSON object of "
                       "AttributeValues");
        return;
    }
    if (depth > DDB_JSON_MAX_DEPTH) {
        report_problem(checker, "nesting is deeper than %u levels of M and L",
                       DDB_JSON_MAX_DEPTH);
        return;
    }
    json_object_foreach((json_t *)member, key, element) {
        size_t saved = path_push(checker, ".%s", key);

        check_value(checker, element, depth);
        path_restore(checker, saved);
    }
}

static void check_list(struct checker *checker, const json_t *member,
                       unsigned int depth)
{
    size_t index;
    json_t *element;

    if (!json_is_array(member)) {
        report_problem(checker, "an L value must be a JSON array of "
                       "AttributeValues");
        return;
    }
    if (depth > DDB_JSON_MAX_DEPTH) {
        report_problem(checker, "nesting is deeper than %u levels of M and L",
                       DDB_JSON_MAX_DEPTH);
        return;
    }
    json_array_foreach((json_t *)member, index, element) {
        size_t saved = path_push(checker, "[%zu]", index);

        check_value(checker, element, depth);
        path_restore(checker, saved);
    }
}

/* Returns nonzero when two valid set members are equal: SS by bytes, NS by
 * numeric value, BS by decoded bytes. */
static int set_members_equal(const char *type, const char *a, const char *b)
{
    if (strcmp(type, "SS") == 0)
        return strcmp(a, b) == 0;

    if (strcmp(type, "NS") == 0) {
        struct number_form form_a;
        struct number_form form_b;

        if (parse_number(a, &form_a, NULL, 0) != 0 ||
            parse_number(b, &form_b, NULL, 0) != 0)
            return 0;
        return strcmp(form_a.canonical, form_b.canonical) == 0;
    }

    {
        size_t len_a;
        size_t len_b;
        unsigned char *bytes_a = decode_binary(a, &len_a, NULL, 0);
        unsigned char *bytes_b = decode_binary(b, &len_b, NULL, 0);
        int equal = bytes_a != NULL && bytes_b != NULL && len_a == len_b &&
                    memcmp(bytes_a, bytes_b, len_a) == 0;

        free(bytes_a);
        free(bytes_b);
        return equal;
    }
}

int ddb_json_values_equal(const json_t *a, const json_t *b)
{
    const char *type_a = ddb_json_value_type(a);
    const char *type_b = ddb_json_value_type(b);
    const json_t *member_a;
    const json_t *member_b;

    if (type_a == NULL || type_b == NULL || strcmp(type_a, type_b) != 0)
        return 0;
    member_a = json_object_get(a, type_a);
    member_b = json_object_get(b, type_b);
    if ((strcmp(type_a, "N") == 0 || strcmp(type_a, "B") == 0) &&
        json_is_string(member_a) && json_is_string(member_b))
        return set_members_equal(strcmp(type_a, "N") == 0 ? "NS" : "BS",
                                 json_string_value(member_a),
                                 json_string_value(member_b));
    return json_equal((json_t *)member_a, (json_t *)member_b);
}

static void check_set(struct checker *checker, const char *type,
                      const json_t *member)
{
    const char *article = strcmp(type, "BS") == 0 ? "a" : "an";
    size_t count;
    size_t index;
    json_t *element;

    if (!json_is_array(member)) {
        report_problem(checker, "%s %s value must be a JSON array of strings",
                       article, type);
        return;
    }
    count = json_array_size(member);
    if (count == 0) {
        report_problem(checker, "%s %s set is empty; DynamoDB rejects empty "
                       "sets, so leave the attribute out instead", article, type);
        return;
    }

    json_array_foreach((json_t *)member, index, element) {
        size_t saved = path_push(checker, "[%zu]", index);
        size_t before = checker->problems;

        if (strcmp(type, "NS") == 0)
            check_number(checker, element);
        else if (strcmp(type, "BS") == 0)
            check_binary(checker, element);
        else
            check_string(checker, element);

        if (checker->problems == before) {
            for (size_t other = 0; other < index; other++) {
                const json_t *earlier = json_array_get(member, other);

                if (json_is_string(earlier) &&
                    set_members_equal(type, json_string_value(earlier),
                                      json_string_value(element))) {
                    report_problem(checker, "duplicates member [%zu] of the "
                                   "%s set; set members must be unique",
                                   other, type);
                    break;
                }
            }
        }
        path_restore(checker, saved);
    }
}

static void check_typed_member(struct checker *checker, const char *type,
                               const json_t *member, unsigned int depth)
{
    if (strcmp(type, "S") == 0)
        check_string(checker, member);
    else if (strcmp(type, "N") == 0)
        check_number(checker, member);
    else if (strcmp(type, "B") == 0)
        check_binary(checker, member);
    else if (strcmp(type, "BOOL") == 0) {
        if (!json_is_boolean(member))
            report_problem(checker, "a BOOL value must be true or false");
    } else if (strcmp(type, "NULL") == 0) {
        if (!json_is_true(member))
            report_problem(checker, "a NULL value must be {\"NULL\": true}");
    } else if (strcmp(type, "M") == 0)
        check_map(checker, member, depth + 1);
    else if (strcmp(type, "L") == 0)
        check_list(checker, member, depth + 1);
    else
        check_set(checker, type, member);
}

static void check_value(struct checker *checker, const json_t *value,
                        unsigned int depth)
{
    const char *type;
    const char *key;
    json_t *member;

    if (!json_is_object(value)) {
        report_problem(checker, "an AttributeValue must be a JSON object with "
                       "one type key, e.g. {\"S\": \"text\"}");
        return;
    }
    if (json_object_size(value) != 1) {
        report_problem(checker, "an AttributeValue must have exactly one type "
                       "key (S, N, B, BOOL, NULL, M, L, SS, NS or BS), "
                       "found %zu", json_object_size(value));
        return;
    }

    type = ddb_json_value_type(value);
    if (type == NULL) {
        key = json_object_iter_key(json_object_iter((json_t *)value));
        report_problem(checker, "unknown type \"%.40s\"; use S, N, B, BOOL, "
                       "NULL, M, L, SS, NS or BS", key);
        return;
    }
    member = json_object_get(value, type);
    check_typed_member(checker, type, member, depth);
}

size_t ddb_json_check_value(const json_t *value, const char *path,
                            ddb_json_problem_fn report, void *context)
{
    struct checker checker = {.report = report, .context = context};

    path_push(&checker, "%s", path != NULL ? path : "");
    check_value(&checker, value, 0);
    return checker.problems;
}

size_t ddb_json_check_item(const json_t *item, ddb_json_problem_fn report,
                           void *context)
{
    struct checker checker = {.report = report, .context = context};
    const char *name;
    json_t *value;

    if (!json_is_object(item)) {
        report_problem(&checker, "an item must be a JSON object mapping "
                       "attribute names to AttributeValues");
        return checker.problems;
    }

    json_object_foreach((json_t *)item, name, value) {
        size_t name_len = strlen(name);
        size_t saved = path_push(&checker, "%s", name);

        if (name_len == 0)
            report_problem(&checker, "an attribute name must not be empty");
        else if (name_len > DDB_JSON_ATTRIBUTE_NAME_MAX_BYTES)
            report_problem(&checker, "attribute name is %zu bytes; the "
                           "maximum is %u", name_len,
                           DDB_JSON_ATTRIBUTE_NAME_MAX_BYTES);
        check_value(&checker, value, 0);
        path_restore(&checker, saved);
    }
    return checker.problems;
}

json_t *ddb_json_parse_object(const char *text, char *err, size_t err_len)
{
    json_error_t error;
    json_t *root;

    root = json_loads(text, JSON_REJECT_DUPLICATES, &error);
    if (root == NULL) {
        format_error(err, err_len, "invalid JSON at line %d, column %d: %s",
                     error.line, error.column, error.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        format_error(err, err_len, "the JSON text must be an object ({...})");
        json_decref(root);
        return NULL;
    }
    return root;
}

static size_t number_size(const char *text)
{
    struct number_form form;

    if (parse_number(text, &form, NULL, 0) != 0)
        return 0;
    return (form.significant_digits + 1) / 2 + 1;
}

static size_t binary_size(const char *text, size_t len)
{
    size_t bytes = 0;

    if (decode_base64(text, len, NULL, &bytes, NULL, 0) != 0)
        return 0;
    return bytes;
}

static size_t scalar_size(const char *type, const json_t *member)
{
    if (!json_is_string(member))
        return 1; /* BOOL and NULL */
    if (strcmp(type, "N") == 0 || strcmp(type, "NS") == 0)
        return number_size(json_string_value(member));
    if (strcmp(type, "B") == 0 || strcmp(type, "BS") == 0)
        return binary_size(json_string_value(member), json_string_length(member));
    return json_string_length(member);
}

size_t ddb_json_value_size(const json_t *value)
{
    const char *type = ddb_json_value_type(value);
    const json_t *member;
    size_t size = 0;

    if (type == NULL)
        return 0;
    member = json_object_get(value, type);

    if (strcmp(type, "M") == 0 && json_is_object(member)) {
        const char *key;
        json_t *element;

        size = 3;
        json_object_foreach((json_t *)member, key, element)
            size += strlen(key) + ddb_json_value_size(element) + 1;
    } else if (strcmp(type, "L") == 0 && json_is_array(member)) {
        size_t index;
        json_t *element;

        size = 3;
        json_array_foreach((json_t *)member, index, element)
            size += ddb_json_value_size(element) + 1;
    } else if (json_is_array(member)) {
        size_t index;
        json_t *element;

        json_array_foreach((json_t *)member, index, element)
            size += scalar_size(type, element);
    } else {
        size = scalar_size(type, member);
    }
    return size;
}

size_t ddb_json_item_size(const json_t *item)
{
    const char *name;
    json_t *value;
    size_t size = 0;

    if (!json_is_object(item))
        return 0;
    json_object_foreach((json_t *)item, name, value)
        size += strlen(name) + ddb_json_value_size(value);
    return size;
}
