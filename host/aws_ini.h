/*
 * Parser for the AWS shared credentials and config files.
 *
 * The format is INI as the AWS SDKs read it: "[section]" headers,
 * "key = value" properties, full-line comments starting with '#' or ';',
 * and inline comments where '#' or ';' follows whitespace in a value.
 * A property with an empty value followed by indented lines holds a nested
 * block ("s3 =" then "  max_concurrent_requests = 10"); any other indented
 * line continues the previous value. Keys compare case-insensitively,
 * section names exactly. When a key repeats, the last one wins.
 */
#ifndef SCHEMAREG_AWS_INI_H
#define SCHEMAREG_AWS_INI_H

#include <stdbool.h>
#include <stddef.h>

/* Files larger than this are rejected as malformed. */
#define AWS_INI_MAX_FILE_SIZE (1024 * 1024)

struct aws_ini;

/* Reads and parses path. A file that does not exist gives an empty ini
 * (aws_ini_exists() returns false). A path that is not a regular file,
 * such as a FIFO, is rejected without blocking. That message names
 * variable, the environment variable that chooses the file (or NULL).
 * Returns 0, or -1 with "PATH:LINE: reason" or "PATH: reason" in err. */
int aws_ini_load(const char *path, const char *variable, struct aws_ini **out,
                 char *err, size_t err_len);

/* Parses text (len bytes); path is used in messages. Same results as
 * aws_ini_load. */
int aws_ini_parse(const char *path, const char *text, size_t len,
                  struct aws_ini **out, char *err, size_t err_len);

/* Frees the ini after wiping every value, which may hold secrets. */
void aws_ini_free(struct aws_ini *ini);

const char *aws_ini_path(const struct aws_ini *ini);
bool aws_ini_exists(const struct aws_ini *ini);

size_t aws_ini_section_count(const struct aws_ini *ini);
/* Section names as written between the brackets, trimmed, in file order,
 * each once. */
const char *aws_ini_section_name(const struct aws_ini *ini, size_t index);
bool aws_ini_has_section(const struct aws_ini *ini, const char *section);

/* Returns the value of key in section, or NULL. When line is not NULL it
 * receives the line the value was defined on. */
const char *aws_ini_get(const struct aws_ini *ini, const char *section,
                        const char *key, unsigned *line);

/* Returns the value of key in the nested block under parent, or NULL. */
const char *aws_ini_get_nested(const struct aws_ini *ini, const char *section,
                               const char *parent, const char *key,
                               unsigned *line);

#endif
