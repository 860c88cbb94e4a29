#include "aws_ini.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "aws_env.h"
#include "regular_file.h"

struct aws_ini_property {
    size_t section;     /* index into sections */
    char *parent;       /* key of the enclosing nested block, or NULL */
    char *key;
    char *value;
    unsigned line;
};

struct aws_ini {
    char *path;
    bool exists;
    char **sections;
    size_t sections_count;
    struct aws_ini_property *properties;
    size_t properties_count;
    size_t properties_capacity;
};

/* Parser state between lines. */
struct ini_parser {
    struct aws_ini *ini;
    unsigned line;
    bool in_section;
    size_t section;
    /* The last top-level property of the current section, which indented
     * lines extend; SIZE_MAX when there is none. */
    size_t current;
    char *err;
    size_t err_len;
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static char *trim(char *text)
{
    while (is_blank(*text))
        text++;
    size_t len = strlen(text);
    while (len > 0 && (is_blank(text[len - 1]) || text[len - 1] == '\r'))
        text[--len] = '\0';
    return text;
}

/* Cuts an inline comment: '#' or ';' preceded by whitespace. */
static void strip_inline_comment(char *value)
{
    for (char *p = value; *p != '\0'; p++) {
        if ((*p == '#' || *p == ';') && p > value && is_blank(p[-1])) {
            *p = '\0';
            return;
        }
    }
}

static int parse_error(struct ini_parser *parser, const char *reason)
{
    snprintf(parser->err, parser->err_len, "%s:%u: %s",
             parser->ini->path, parser->line, reason);
    return -1;
}

static int out_of_memory(struct ini_parser *parser)
{
    return parse_error(parser, "out of memory");
}

static int add_section(struct ini_parser *parser, const char *name)
{
    struct aws_ini *ini = parser->ini;

    for (size_t i = 0; i < ini->sections_count; i++) {
        if (strcmp(ini->sections[i], name) == 0) {
            parser->section = i;
            return 0;
        }
    }

    char **grown = realloc(ini->sections, (ini->sections_count + 1) * sizeof(*grown));
    if (grown == NULL)
        return out_of_memory(parser);
    ini->sections = grown;
    ini->sections[ini->sections_count] = strdup(name);
    if (ini->sections[ini->sections_count] == NULL)
        return out_of_memory(parser);
    parser->section = ini->sections_count++;
    return 0;
}

static int add_property(struct ini_parser *parser, const char *parent,
                        const char *key, const char *value)
{
    struct aws_ini *ini = parser->ini;

    if (ini->properties_count == ini->properties_capacity) {
        size_t capacity = ini->properties_capacity == 0 ? 16 : ini->properties_capacity * 2;
        struct aws_ini_property *grown =
            realloc(ini->properties, capacity * sizeof(*grown));
        if (grown == NULL)
            return out_of_memory(parser);
        ini->properties = grown;
        ini->properties_capacity = capacity;
    }

    struct aws_ini_property *property = &ini->properties[ini->properties_count];
    *property = (struct aws_ini_property){
        .section = parser->section,
        .parent = parent != NULL ? strdup(parent) : NULL,
        .key = strdup(key),
        .value = strdup(value),
        .line = parser->line,
    };
    ini->properties_count++;
    if (property->key == NULL || property->value == NULL ||
        (parent != NULL && property->parent == NULL))
        return out_of_memory(parser);
    return 0;
}

static int parse_section_header(struct ini_parser *parser, char *text)
{
    char *close = strchr(text, ']');
    if (close == NULL)
        return parse_error(parser, "section header has no closing ']'");

    char *rest = trim(close + 1);
    if (*rest != '\0' && *rest != '#' && *rest != ';')
        return parse_error(parser, "unexpected text after ']' in a section header");

    *close = '\0';
    char *name = trim(text + 1);
    if (*name == '\0')
        return parse_error(parser, "empty section name");

    if (add_section(parser, name) < 0)
        return -1;
    parser->in_section = true;
    parser->current = SIZE_MAX;
    return 0;
}

/* Splits "key = value" in place. Returns -1 with a parse error. */
static int split_property(struct ini_parser *parser, char *text,
                          char **key, char **value)
{
    char *equals = strchr(text, '=');
    if (equals == NULL)
        return parse_error(parser, "expected 'key = value'");

    *equals = '\0';
    *key = trim(text);
    if (**key == '\0')
        return parse_error(parser, "missing property name before '='");

    *value = equals + 1;
    strip_inline_comment(*value);
    *value = trim(*value);
    return 0;
}

static int parse_property(struct ini_parser *parser, char *text)
{
    if (!parser->in_section)
        return parse_error(parser, "property outside a section; "
                                   "add a [section] header above it");

    char *key;
    char *value;
    if (split_property(parser, text, &key, &value) < 0)
        return -1;
    if (add_property(parser, NULL, key, value) < 0)
        return -1;
    parser->current = parser->ini->properties_count - 1;
    return 0;
}

/* An indented line after a property: a nested "key = value" when the
 * property's value is empty, else a continuation of that value. */
static int parse_indented(struct ini_parser *parser, char *text)
{
    struct aws_ini_property *current = &parser->ini->properties[parser->current];

    if (current->value[0] == '\0') {
        char *key;
        char *value;
        if (split_property(parser, text, &key, &value) < 0)
            return -1;
        /* add_property may move the array, so copy the parent's key. */
        char *parent = strdup(current->key);
        if (parent == NULL)
            return out_of_memory(parser);
        int rc = add_property(parser, parent, key, value);
        free(parent);
        return rc;
    }

    size_t old_len = strlen(current->value);
    size_t add_len = strlen(text);
    char *joined = malloc(old_len + 1 + add_len + 1);
    if (joined == NULL)
        return out_of_memory(parser);
    memcpy(joined, current->value, old_len);
    joined[old_len] = '\n';
    memcpy(joined + old_len + 1, text, add_len + 1);
    OPENSSL_cleanse(current->value, old_len);
    free(current->value);
    current->value = joined;
    return 0;
}

static int parse_line(struct ini_parser *parser, char *line)
{
    bool indented = is_blank(line[0]);
    char *text = trim(line);

    if (*text == '\0' || *text == '#' || *text == ';')
        return 0;
    if (indented && parser->current != SIZE_MAX)
        return parse_indented(parser, text);
    if (*text == '[')
        return parse_section_header(parser, text);
    return parse_property(parser, text);
}

static struct aws_ini *ini_new(const char *path)
{
    struct aws_ini *ini = calloc(1, sizeof(*ini));
    if (ini == NULL)
        return NULL;
    ini->path = strdup(path);
    if (ini->path == NULL) {
        free(ini);
        return NULL;
    }
    return ini;
}

int aws_ini_parse(const char *path, const char *text, size_t len,
                  struct aws_ini **out, char *err, size_t err_len)
{
    int rc = -1;
    char *copy = NULL;
    struct aws_ini *ini = ini_new(path);
    if (ini == NULL) {
        snprintf(err, err_len, "%s: out of memory", path);
        goto cleanup;
    }
    ini->exists = true;

    copy = malloc(len + 1);
    if (copy == NULL) {
        snprintf(err, err_len, "%s: out of memory", path);
        goto cleanup;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    if (memchr(copy, '\0', len) != NULL) {
        snprintf(err, err_len, "%s: contains a NUL byte; is it a text file?", path);
        goto cleanup;
    }

    struct ini_parser parser = {
        .ini = ini, .current = SIZE_MAX, .err = err, .err_len = err_len,
    };
    char *line = copy;
    while (line != NULL) {
        char *newline = strchr(line, '\n');
        if (newline != NULL)
            *newline = '\0';
        parser.line++;
        if (parse_line(&parser, line) < 0)
            goto cleanup;
        line = newline != NULL ? newline + 1 : NULL;
    }

    *out = ini;
    ini = NULL;
    rc = 0;

cleanup:
    if (copy != NULL) {
        OPENSSL_cleanse(copy, len);
        free(copy);
    }
    aws_ini_free(ini);
    return rc;
}

/* Opens path as a stream, or reports why not, naming variable when it is
 * set. Returns 1 when the file does not exist. */
static int open_file(const char *path, const char *variable, FILE **file,
                     char *err, size_t err_len)
{
    char reason[128];
    int fd;
    int found = regular_file_open(path, &fd, reason, sizeof(reason));

    if (found == 1)
        return 1;
    if (found < 0) {
        if (variable == NULL)
            snprintf(err, err_len, "%s: %s", path, reason);
        else if (aws_env_get(variable) != NULL)
            snprintf(err, err_len, "%s %s %s; set %s to a readable regular file", variable,
                     path, reason, variable);
        else
            snprintf(err, err_len, "%s (the default when %s is not set) %s; replace it with "
                     "a readable regular file, or set %s to one", path, variable, reason,
                     variable);
        return -1;
    }
    *file = fdopen(fd, "rb");
    if (*file == NULL) {
        snprintf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return 0;
}

/* Reads the whole file into *text. Returns 1 when it does not exist. */
static int read_file(const char *path, const char *variable, char **text, size_t *len,
                     char *err, size_t err_len)
{
    int rc = -1;
    char *buffer = NULL;
    FILE *file = NULL;
    int found = open_file(path, variable, &file, err, err_len);
    if (found != 0)
        return found;

    buffer = malloc(AWS_INI_MAX_FILE_SIZE + 1);
    if (buffer == NULL) {
        snprintf(err, err_len, "%s: out of memory", path);
        goto cleanup;
    }
    size_t got = fread(buffer, 1, AWS_INI_MAX_FILE_SIZE + 1, file);
    if (ferror(file)) {
        snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
        goto cleanup;
    }
    if (got > AWS_INI_MAX_FILE_SIZE) {
        snprintf(err, err_len, "%s: larger than %d bytes; is it the right file?",
                 path, AWS_INI_MAX_FILE_SIZE);
        goto cleanup;
    }

    *text = buffer;
    *len = got;
    buffer = NULL;
    rc = 0;

cleanup:
    if (buffer != NULL) {
        OPENSSL_cleanse(buffer, AWS_INI_MAX_FILE_SIZE + 1);
        free(buffer);
    }
    fclose(file);
    return rc;
}

int aws_ini_load(const char *path, const char *variable, struct aws_ini **out,
                 char *err, size_t err_len)
{
    char *text = NULL;
    size_t len = 0;
    int found = read_file(path, variable, &text, &len, err, err_len);
    if (found < 0)
        return -1;

    if (found == 1) {
        *out = ini_new(path);
        if (*out == NULL) {
            snprintf(err, err_len, "%s: out of memory", path);
            return -1;
        }
        return 0;
    }

    int rc = aws_ini_parse(path, text, len, out, err, err_len);
    OPENSSL_cleanse(text, len);
    free(text);
    return rc;
}

static void free_secret(char *text)
{
    if (text == NULL)
        return;
    OPENSSL_cleanse(text, strlen(text));
    free(text);
}

void aws_ini_free(struct aws_ini *ini)
{
    if (ini == NULL)
        return;
    for (size_t i = 0; i < ini->properties_count; i++) {
        free(ini->properties[i].parent);
        free(ini->properties[i].key);
        free_secret(ini->properties[i].value);
    }
    for (size_t i = 0; i < ini->sections_count; i++)
        free(ini->sections[i]);
    free(ini->properties);
    free(ini->sections);
    free(ini->path);
    free(ini);
}

const char *aws_ini_path(const struct aws_ini *ini)
{
    return ini->path;
}

bool aws_ini_exists(const struct aws_ini *ini)
{
    return ini->exists;
}

size_t aws_ini_section_count(const struct aws_ini *ini)
{
    return ini->sections_count;
}

const char *aws_ini_section_name(const struct aws_ini *ini, size_t index)
{
    return index < ini->sections_count ? ini->sections[index] : NULL;
}

static bool find_section(const struct aws_ini *ini, const char *section, size_t *index)
{
    for (size_t i = 0; i < ini->sections_count; i++) {
        if (strcmp(ini->sections[i], section) == 0) {
            *index = i;
            return true;
        }
    }
    return false;
}

bool aws_ini_has_section(const struct aws_ini *ini, const char *section)
{
    size_t index;
    return find_section(ini, section, &index);
}

static bool same_parent(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcasecmp(a, b) == 0;
}

const char *aws_ini_get_nested(const struct aws_ini *ini, const char *section,
                               const char *parent, const char *key,
                               unsigned *line)
{
    size_t index;
    if (!find_section(ini, section, &index))
        return NULL;

    /* Search backwards so that the last definition wins. */
    for (size_t i = ini->properties_count; i-- > 0;) {
        const struct aws_ini_property *property = &ini->properties[i];
        if (property->section == index && same_parent(property->parent, parent) &&
            strcasecmp(property->key, key) == 0) {
            if (line != NULL)
                *line = property->line;
            return property->value;
        }
    }
    return NULL;
}

const char *aws_ini_get(const struct aws_ini *ini, const char *section,
                        const char *key, unsigned *line)
{
    return aws_ini_get_nested(ini, section, NULL, key, line);
}
