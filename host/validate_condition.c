/*
 * The seed-condition rule's proof that a condition expression protects an
 * existing item. The expression, read with DynamoDB's precedence (NOT binds
 * tighter than AND, AND tighter than OR), must be false whenever an item
 * with the seed's partition key already exists. That is the case when
 * attribute_not_exists(K), with K the table's HASH key given directly or
 * through an expression attribute name, is a term of a top-level AND, or
 * of every branch of a top-level OR.
 *
 * Anything this reader does not understand counts as "not protected", so a
 * malformed or unusual expression is rejected rather than trusted.
 */
#include <string.h>
#include <strings.h>

#include "validate_context.h"

enum token_kind {
    TOKEN_END,
    TOKEN_WORD,   /* name, path, keyword, placeholder or number */
    TOKEN_OPEN,
    TOKEN_CLOSE,
    TOKEN_OTHER,  /* comma, comparator or anything else */
};

struct token {
    enum token_kind kind;
    const char *text;
    size_t len;
};

/* Nesting limit of parentheses, so a hostile expression cannot exhaust the
 * stack. DynamoDB's own expressions are at most 4 KB. */
#define CONDITION_MAX_DEPTH 64

struct condition_reader {
    const char *next;
    struct token token;  /* the current token */
    const json_t *names; /* expression attribute names, or NULL */
    const char *hash_key;
    int depth;
    int failed;          /* set on a syntax error or excess nesting */
};

static int is_word_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '#' || c == ':' ||
           c == '.' || c == '[' || c == ']';
}

static void advance(struct condition_reader *reader)
{
    const char *p = reader->next;

    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    reader->token.text = p;
    reader->token.len = 1;
    if (*p == '\0') {
        reader->token.kind = TOKEN_END;
        reader->token.len = 0;
    } else if (*p == '(') {
        reader->token.kind = TOKEN_OPEN;
    } else if (*p == ')') {
        reader->token.kind = TOKEN_CLOSE;
    } else if (is_word_char(*p)) {
        reader->token.kind = TOKEN_WORD;
        while (is_word_char(p[reader->token.len]))
            reader->token.len++;
    } else {
        reader->token.kind = TOKEN_OTHER;
    }
    reader->next = p + reader->token.len;
}

/* Returns nonzero when the current token is the keyword, in any case, as
 * DynamoDB reads keywords. */
static int at_keyword(const struct condition_reader *reader, const char *keyword)
{
    size_t len = strlen(keyword);

    return reader->token.kind == TOKEN_WORD && reader->token.len == len &&
           strncasecmp(reader->token.text, keyword, len) == 0;
}

/* Returns nonzero when the current token is exactly text (function names
 * are case-sensitive in DynamoDB). */
static int at_word(const struct condition_reader *reader, const char *text)
{
    size_t len = strlen(text);

    return reader->token.kind == TOKEN_WORD && reader->token.len == len &&
           strncmp(reader->token.text, text, len) == 0;
}

/* Returns nonzero when the word names the table's HASH key attribute. */
static int word_is_hash_key(const struct condition_reader *reader)
{
    const struct token *token = &reader->token;
    const char *mapped;
    char placeholder[256];

    if (token->kind != TOKEN_WORD)
        return 0;
    if (token->text[0] != '#')
        return token->len == strlen(reader->hash_key) &&
               strncmp(token->text, reader->hash_key, token->len) == 0;

    if (reader->names == NULL || token->len >= sizeof(placeholder))
        return 0;
    memcpy(placeholder, token->text, token->len);
    placeholder[token->len] = '\0';
    mapped = json_string_value(json_object_get(reader->names, placeholder));
    return mapped != NULL && strcmp(mapped, reader->hash_key) == 0;
}

/* Returns nonzero when the current token ends a term: AND, OR, ")" or the
 * end of the expression. */
static int at_term_end(const struct condition_reader *reader)
{
    return reader->token.kind == TOKEN_END || reader->token.kind == TOKEN_CLOSE ||
           at_keyword(reader, "AND") || at_keyword(reader, "OR");
}

/* Skips the rest of a term that proves nothing: comparisons, BETWEEN (whose
 * AND belongs to it), IN lists and function calls. */
static void skip_term(struct condition_reader *reader)
{
    int depth = 0;
    int in_between = 0;

    for (;;) {
        if (reader->token.kind == TOKEN_END) {
            if (depth > 0)
                reader->failed = 1;
            return;
        }
        if (depth == 0 && reader->token.kind == TOKEN_CLOSE)
            return;
        if (depth == 0 && at_keyword(reader, "OR"))
            return;
        if (depth == 0 && at_keyword(reader, "AND")) {
            if (!in_between)
                return;
            in_between = 0;
        }
        if (depth == 0 && at_keyword(reader, "BETWEEN"))
            in_between = 1;
        if (reader->token.kind == TOKEN_OPEN)
            depth++;
        if (reader->token.kind == TOKEN_CLOSE)
            depth--;
        advance(reader);
    }
}

static int read_or(struct condition_reader *reader);

/* Reads attribute_not_exists ( PATH ) at the current token. Returns nonzero
 * when PATH is the HASH key and nothing else follows in the term. */
static int read_not_exists(struct condition_reader *reader)
{
    int protects;

    advance(reader);
    if (reader->token.kind != TOKEN_OPEN) {
        skip_term(reader);
        return 0;
    }
    advance(reader);
    protects = word_is_hash_key(reader);
    if (reader->token.kind == TOKEN_WORD)
        advance(reader);
    if (reader->token.kind != TOKEN_CLOSE) {
        skip_term(reader);
        return 0;
    }
    advance(reader);
    if (at_term_end(reader))
        return protects;
    skip_term(reader);
    return 0;
}

/* Reads ( CONDITION ) at the current token. */
static int read_group(struct condition_reader *reader)
{
    int protects;

    if (++reader->depth > CONDITION_MAX_DEPTH) {
        reader->failed = 1;
        return 0;
    }
    advance(reader);
    protects = read_or(reader);
    reader->depth--;
    if (reader->token.kind != TOKEN_CLOSE) {
        reader->failed = 1;
        return 0;
    }
    advance(reader);
    if (at_term_end(reader))
        return protects;
    skip_term(reader);
    return 0;
}

/* Reads one operand of AND: NOT TERM, ( CONDITION ) or a simple term. */
static int read_term(struct condition_reader *reader)
{
    if (reader->failed)
        return 0;
    if (at_keyword(reader, "NOT")) {
        /* NOT attribute_exists(K) would also protect the item, but the rule
         * accepts one plain spelling, which a reader can check at a glance. */
        advance(reader);
        read_term(reader);
        return 0;
    }
    if (reader->token.kind == TOKEN_OPEN)
        return read_group(reader);
    if (at_word(reader, "attribute_not_exists"))
        return read_not_exists(reader);
    if (at_term_end(reader)) {
        reader->failed = 1; /* an empty operand */
        return 0;
    }
    skip_term(reader);
    return 0;
}

/* Reads TERM AND TERM ...: protected when any term is. */
static int read_and(struct condition_reader *reader)
{
    int protects = read_term(reader);

    while (!reader->failed && at_keyword(reader, "AND")) {
        advance(reader);
        if (read_term(reader))
            protects = 1;
    }
    return protects;
}

/* Reads CONJUNCTION OR CONJUNCTION ...: protected when every branch is. */
static int read_or(struct condition_reader *reader)
{
    int protects = read_and(reader);

    while (!reader->failed && at_keyword(reader, "OR")) {
        advance(reader);
        if (!read_and(reader))
            protects = 0;
    }
    return protects;
}

int validate_condition_protects(const char *expression, const json_t *names,
                                const char *hash_key)
{
    struct condition_reader reader = {
        .next = expression,
        .names = names,
        .hash_key = hash_key,
    };
    int protects;

    advance(&reader);
    protects = read_or(&reader);
    if (reader.failed || reader.token.kind != TOKEN_END)
        return 0;
    return protects;
}
