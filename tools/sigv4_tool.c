/*
 * schemareg-sigv4: prints the canonical request, string to sign, signature
 * or signed request that the host's SigV4 signer produces for a raw HTTP
 * request, to compare with what a server computed when it rejects a request
 * with SignatureDoesNotMatch.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "config.h"
#include "http_request.h"
#include "log.h"
#include "long_option.h"
#include "sigv4.h"
#include "stdout_close.h"

#define EXIT_BAD_INPUT 2

/* The options after merging the command line, the context file and the
 * AWS_* variables, in that order of precedence. */
struct settings {
    const char *request_path;
    const char *context_path;
    const char *access_key;
    const char *secret_key;
    const char *session_token;
    const char *region;
    const char *service;
    const char *time_text;
    const char *mode_text;
    const char *expires_text;
    const char *print;
    bool no_normalize_path;
    bool sign_body;
    bool omit_session_token;
    long long context_expires; /* -1 when the context has none */
};

/* Everything main releases at exit. */
struct resources {
    char *request_text;
    json_t *context;
    struct http_request request;
    struct sigv4_signer *signer;
    char *output;
};

static const char usage_text[] =
    "Usage: schemareg-sigv4 --request FILE|- [--context FILE] [--access-key ID]\n"
    "         [--secret-key KEY] [--session-token TOKEN] [--region R] [--service S]\n"
    "         [--time 2015-08-30T12:36:00Z] [--no-normalize-path] [--sign-body]\n"
    "         [--omit-session-token] [--mode header|query] [--expires SECONDS]\n"
    "         --print canonical-request|string-to-sign|signature|signed-request\n"
    "\n"
    "Signs a raw HTTP/1.1 request with AWS Signature Version 4 and prints one step.\n"
    "\n"
    "Options:\n"
    "  --request FILE       the request: \"METHOD target HTTP/1.1\", Name:value headers,\n"
    "                       an empty line and the body; '-' reads standard input\n"
    "  --print STEP         what to print: canonical-request, string-to-sign,\n"
    "                       signature or signed-request\n"
    "  --context FILE       JSON with credentials, region, service, timestamp, normalize,\n"
    "                       sign_body, omit_session_token, expiration_in_seconds\n"
    "                       (the AWS SigV4 test suite's context.json); options override it\n"
    "  --access-key ID      access key ID (default: the context, else AWS_ACCESS_KEY_ID)\n"
    "  --secret-key KEY     secret access key (default: the context, else\n"
    "                       AWS_SECRET_ACCESS_KEY). Other local users can read a command\n"
    "                       line in the process list: prefer the variable or a context\n"
    "                       file readable only by you\n"
    "  --session-token T    session token (default: the context, else AWS_SESSION_TOKEN\n"
    "                       when the access key ID also came from AWS_ACCESS_KEY_ID)\n"
    "  --region R           region of the credential scope, e.g. us-east-1\n"
    "  --service S          service of the credential scope, e.g. dynamodb\n"
    "  --time T             signing time in UTC, as 2015-08-30T12:36:00Z or in the\n"
    "                       X-Amz-Date form 20150830T123600Z (default: now)\n"
    "  --no-normalize-path  keep '.', '..' and empty path segments\n"
    "  --sign-body          add a signed x-amz-content-sha256 header (header mode)\n"
    "  --omit-session-token sign without the session token and add it afterwards\n"
    "  --mode M             header (Authorization header, default) or query (presigned URL)\n"
    "  --expires SECONDS    X-Amz-Expires in query mode, 1 to 604800 (default 3600)\n"
    "  --help               print this help and exit\n"
    "  --version            print the version and exit\n"
    "Long options must be spelled in full.\n"
    "\n"
    "Exit status: 0 on success, 1 when the output cannot be written, 2 for invalid\n"
    "input or options.\n";

static int parse_arguments(int argc, char **argv, struct settings *settings)
{
    enum { OPT_NO_NORMALIZE = 256, OPT_SIGN_BODY, OPT_OMIT_TOKEN, OPT_HELP, OPT_VERSION };
    static const struct option options[] = {
        {"request", required_argument, NULL, 'r'},
        {"context", required_argument, NULL, 'c'},
        {"access-key", required_argument, NULL, 'a'},
        {"secret-key", required_argument, NULL, 's'},
        {"session-token", required_argument, NULL, 't'},
        {"region", required_argument, NULL, 'g'},
        {"service", required_argument, NULL, 'v'},
        {"time", required_argument, NULL, 'T'},
        {"mode", required_argument, NULL, 'm'},
        {"expires", required_argument, NULL, 'e'},
        {"print", required_argument, NULL, 'p'},
        {"no-normalize-path", no_argument, NULL, OPT_NO_NORMALIZE},
        {"sign-body", no_argument, NULL, OPT_SIGN_BODY},
        {"omit-session-token", no_argument, NULL, OPT_OMIT_TOKEN},
        {"help", no_argument, NULL, OPT_HELP},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    int c;
    int longindex = -1;
    char typed[64];
    const char *full;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", options, &longindex)) != -1) {
        if (c != '?' && c != ':' &&
            (full = long_option_abbreviated(argv, options, longindex, typed, sizeof(typed)))) {
            log_error("unknown option %s; did you mean --%s? Long options must be spelled in "
                      "full", typed, full);
            return -1;
        }
        longindex = -1;
        switch (c) {
        case 'r': settings->request_path = optarg; break;
        case 'c': settings->context_path = optarg; break;
        case 'a': settings->access_key = optarg; break;
        case 's': settings->secret_key = optarg; break;
        case 't': settings->session_token = optarg; break;
        case 'g': settings->region = optarg; break;
        case 'v': settings->service = optarg; break;
        case 'T': settings->time_text = optarg; break;
        case 'm': settings->mode_text = optarg; break;
        case 'e': settings->expires_text = optarg; break;
        case 'p': settings->print = optarg; break;
        case OPT_NO_NORMALIZE: settings->no_normalize_path = true; break;
        case OPT_SIGN_BODY: settings->sign_body = true; break;
        case OPT_OMIT_TOKEN: settings->omit_session_token = true; break;
        case OPT_HELP:
            fputs(usage_text, stdout);
            exit(stdout_close_checked() == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
        case OPT_VERSION:
            printf("schemareg-sigv4 %s\n", SCHEMAREG_VERSION);
            exit(stdout_close_checked() == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
        case ':':
            log_error("option %s needs a value; see --help", argv[optind - 1]);
            return -1;
        default:
            /* Only the name: a value after "=" may be a secret key. */
            log_error("unknown option \"%.*s\"; see --help",
                      (int)strcspn(argv[optind - 1], "="), argv[optind - 1]);
            return -1;
        }
    }
    if (optind < argc) {
        log_error("unexpected argument \"%s\"; see --help", argv[optind]);
        return -1;
    }
    if (!settings->request_path || !settings->print) {
        log_error("--request and --print are required; see --help");
        return -1;
    }
    return 0;
}

/* Reads a whole file, or standard input for "-". Returns NULL with errno set. */
static char *read_file(const char *path, size_t *len)
{
    FILE *file = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char *data = NULL;
    size_t cap = 0;

    *len = 0;
    if (!file)
        return NULL;
    for (;;) {
        if (cap - *len < 4096) {
            size_t new_cap = cap ? cap * 2 : 65536;
            char *grown = realloc(data, new_cap);
            if (!grown)
                goto fail;
            data = grown;
            cap = new_cap;
        }
        size_t got = fread(data + *len, 1, cap - *len - 1, file);
        *len += got;
        if (got == 0)
            break;
    }
    if (ferror(file))
        goto fail;
    if (file != stdin)
        fclose(file);
    data[*len] = '\0';
    return data;

fail:
    if (file != stdin)
        fclose(file);
    free(data);
    if (errno == 0)
        errno = EIO;
    return NULL;
}

/* Returns the variable's value, or NULL when it is unset or empty. */
static const char *env_value(const char *name)
{
    const char *value = getenv(name);
    return value != NULL && value[0] != '\0' ? value : NULL;
}

/* Takes a string field of the context unless the command line set it. */
static int context_string(json_t *object, const char *key, const char *path,
                          const char **target)
{
    json_t *value = json_object_get(object, key);

    if (!value || *target)
        return 0;
    if (!json_is_string(value)) {
        log_error("%s: \"%s\" must be a string", path, key);
        return -1;
    }
    *target = json_string_value(value);
    return 0;
}

static int context_bool(json_t *object, const char *key, const char *path, bool *target)
{
    json_t *value = json_object_get(object, key);

    if (!value)
        return 0;
    if (!json_is_boolean(value)) {
        log_error("%s: \"%s\" must be true or false", path, key);
        return -1;
    }
    *target = *target || json_is_true(value);
    return 0;
}

/* Fills the settings that the command line left unset from the context. */
static int apply_context(json_t *context, struct settings *settings)
{
    const char *path = settings->context_path;
    bool normalize = true;

    if (!json_is_object(context)) {
        log_error("%s: expected a JSON object", path);
        return -1;
    }
    json_t *credentials = json_object_get(context, "credentials");
    if (credentials && !json_is_object(credentials)) {
        log_error("%s: \"credentials\" must be an object", path);
        return -1;
    }
    if (credentials &&
        (context_string(credentials, "access_key_id", path, &settings->access_key) < 0 ||
         context_string(credentials, "secret_access_key", path, &settings->secret_key) < 0 ||
         context_string(credentials, "token", path, &settings->session_token) < 0))
        return -1;
    if (context_string(context, "region", path, &settings->region) < 0 ||
        context_string(context, "service", path, &settings->service) < 0 ||
        context_string(context, "timestamp", path, &settings->time_text) < 0 ||
        context_bool(context, "sign_body", path, &settings->sign_body) < 0 ||
        context_bool(context, "omit_session_token", path, &settings->omit_session_token) < 0)
        return -1;

    json_t *normalize_value = json_object_get(context, "normalize");
    if (normalize_value && !json_is_boolean(normalize_value)) {
        log_error("%s: \"normalize\" must be true or false", path);
        return -1;
    }
    if (normalize_value)
        normalize = json_is_true(normalize_value);
    settings->no_normalize_path = settings->no_normalize_path || !normalize;

    json_t *expires = json_object_get(context, "expiration_in_seconds");
    if (expires && !json_is_integer(expires)) {
        log_error("%s: \"expiration_in_seconds\" must be an integer", path);
        return -1;
    }
    if (expires)
        settings->context_expires = json_integer_value(expires);
    return 0;
}

/* Parses YYYY-MM-DDTHH:MM:SSZ or the X-Amz-Date form YYYYMMDDTHHMMSSZ, both
 * UTC. */
static int parse_time(const char *text, time_t *out)
{
    struct tm tm = {0};
    int consumed = 0;
    size_t length = strlen(text);

    if (length == 20) {
        if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6)
            return -1;
    } else if (length == 16) {
        if (sscanf(text, "%4d%2d%2dT%2d%2d%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6)
            return -1;
    } else {
        return -1;
    }
    /* sscanf's %d also takes signs and blanks, so every byte is checked. */
    if ((size_t)consumed != length || strspn(text, "0123456789-:TZ") != length)
        return -1;
    if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
        tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = timegm(&tm);
    return 0;
}

static int parse_expires(const struct settings *settings, uint32_t *out)
{
    long long value = settings->context_expires >= 0 ? settings->context_expires : 3600;

    if (settings->expires_text) {
        char *end = NULL;
        errno = 0;
        value = strtoll(settings->expires_text, &end, 10);
        if (errno != 0 || end == settings->expires_text || *end != '\0')
            value = -1;
    }
    if (value < 1 || value > SIGV4_MAX_EXPIRES) {
        log_error("invalid expiry: expected 1 to %u seconds", SIGV4_MAX_EXPIRES);
        return -1;
    }
    *out = (uint32_t)value;
    return 0;
}

/* Builds the signing parameters and credentials from the settings. */
static int resolve(const struct settings *settings, struct sigv4_credentials *creds,
                   struct sigv4_params *params, enum sigv4_mode *mode)
{
    const char *missing = !settings->access_key ? "--access-key (or AWS_ACCESS_KEY_ID)"
                          : !settings->secret_key ? "--secret-key (or AWS_SECRET_ACCESS_KEY)"
                          : !settings->region ? "--region"
                          : !settings->service ? "--service" : NULL;
    if (missing) {
        log_error("missing %s; give it, or its field in a --context file", missing);
        return -1;
    }
    *creds = (struct sigv4_credentials){settings->access_key, settings->secret_key,
                                        settings->session_token};
    *params = (struct sigv4_params){.region = settings->region, .service = settings->service};

    if (!settings->time_text)
        params->time = time(NULL);
    else if (parse_time(settings->time_text, &params->time) < 0) {
        log_error("invalid time \"%s\": expected YYYY-MM-DDTHH:MM:SSZ or YYYYMMDDTHHMMSSZ "
                  "in UTC", settings->time_text);
        return -1;
    }

    if (!settings->mode_text || strcmp(settings->mode_text, "header") == 0)
        *mode = SIGV4_MODE_HEADER;
    else if (strcmp(settings->mode_text, "query") == 0)
        *mode = SIGV4_MODE_QUERY;
    else {
        log_error("invalid --mode \"%s\": expected header or query", settings->mode_text);
        return -1;
    }
    if (parse_expires(settings, &params->expires) < 0)
        return -1;

    params->flags |= settings->no_normalize_path ? SIGV4_NO_NORMALIZE_PATH : 0;
    params->flags |= settings->sign_body ? SIGV4_SIGN_BODY : 0;
    params->flags |= settings->omit_session_token ? SIGV4_OMIT_SESSION_TOKEN : 0;
    return 0;
}

static void print_head(const struct http_request *request, const char *query_suffix)
{
    const char *separator = "";

    if (query_suffix)
        separator = !request->query ? "?"
                    : (request->query[0] == '\0' ||
                       request->query[strlen(request->query) - 1] == '&') ? "" : "&";
    printf("%s %s%s%s HTTP/1.1\n", request->method, request->target,
           query_suffix ? separator : "", query_suffix ? query_suffix : "");
    for (size_t i = 0; i < request->raw_lines_count; i++)
        printf("%.*s\n", (int)request->raw_lines[i].len, request->raw_lines[i].text);
}

/* Prints the request with the headers that header-mode signing adds, in the
 * order of the AWS SigV4 test suite. */
static void print_header_signed(const struct http_request *request,
                                const struct sigv4_credentials *creds,
                                const struct sigv4_signed_headers *signed_headers)
{
    print_head(request, NULL);
    if (creds->session_token && creds->session_token[0])
        printf("X-Amz-Security-Token:%s\n", creds->session_token);
    printf("X-Amz-Date:%s\n", signed_headers->x_amz_date);
    if (signed_headers->content_sha256[0])
        printf("x-amz-content-sha256:%s\n", signed_headers->content_sha256);
    printf("Authorization:%s\n\n", signed_headers->authorization);
}

static size_t output_size(const struct http_request *request,
                          const struct sigv4_credentials *creds)
{
    size_t token_len = creds->session_token ? strlen(creds->session_token) : 0;
    size_t request_len = strlen(request->method) + strlen(request->target);

    for (size_t i = 0; i < request->raw_lines_count; i++)
        request_len += request->raw_lines[i].len + 1;
    /* Encoding at most triples each byte; 8 KiB covers the fixed parts. */
    return 3 * (request_len + token_len + strlen(creds->access_key_id)) + 8192;
}

/* Signs and prints what settings->print names. Returns 0 or -1. */
static int sign_and_print(const struct settings *settings, struct resources *res,
                          const struct sigv4_credentials *creds,
                          const struct sigv4_params *params, enum sigv4_mode mode)
{
    const struct http_request *request = &res->request;
    struct sigv4_request signing_request = {
        .method = request->method,
        .path = request->path,
        .query = request->query,
        .headers = request->headers,
        .headers_count = request->headers_count,
        .body = request->body,
        .body_len = request->body_len,
    };
    size_t size = output_size(request, creds);
    char err[512];
    int rc = -1;

    res->output = malloc(size);
    if (!res->output) {
        log_error("out of memory");
        return -1;
    }

    const char *print = settings->print;
    if (strcmp(print, "canonical-request") == 0) {
        rc = sigv4_canonical_request(res->signer, creds, params, mode, &signing_request,
                                     res->output, size, err, sizeof(err));
        if (rc == 0)
            printf("%s\n", res->output);
    } else if (strcmp(print, "string-to-sign") == 0) {
        rc = sigv4_string_to_sign(res->signer, creds, params, mode, &signing_request,
                                  res->output, size, err, sizeof(err));
        if (rc == 0)
            printf("%s\n", res->output);
    } else if (strcmp(print, "signature") != 0 && strcmp(print, "signed-request") != 0) {
        log_error("invalid --print \"%s\": expected canonical-request, string-to-sign, "
                  "signature or signed-request", print);
        return -1;
    } else if (mode == SIGV4_MODE_HEADER) {
        struct sigv4_signed_headers signed_headers;
        rc = sigv4_sign_headers(res->signer, creds, params, &signing_request,
                                &signed_headers, err, sizeof(err));
        if (rc == 0 && strcmp(print, "signature") == 0)
            printf("%s\n", signed_headers.signature);
        else if (rc == 0)
            print_header_signed(request, creds, &signed_headers);
    } else {
        rc = sigv4_presign(res->signer, creds, params, &signing_request,
                           res->output, size, err, sizeof(err));
        /* The presigned query ends with X-Amz-Signature=<64 hex digits>. */
        if (rc == 0 && strcmp(print, "signature") == 0)
            printf("%s\n", res->output + strlen(res->output) - 64);
        else if (rc == 0) {
            print_head(request, res->output);
            putchar('\n');
        }
    }
    if (rc < 0) {
        log_error("%s: %s", settings->request_path, err);
        return -1;
    }
    if (strcmp(print, "signed-request") == 0) {
        fwrite(request->body, 1, request->body_len, stdout);
        putchar('\n');
    }
    return 0;
}

/* Reads and applies the --context file. Returns 0 or -1 (logged). */
static int load_context(struct settings *settings, struct resources *res)
{
    size_t len = 0;
    char *text = read_file(settings->context_path, &len);
    if (!text) {
        log_error("cannot read %s: %s", settings->context_path, strerror(errno));
        return -1;
    }

    json_error_t json_err;
    res->context = json_loadb(text, len, 0, &json_err);
    free(text);
    if (!res->context) {
        log_error("%s:%d: invalid JSON: %s", settings->context_path, json_err.line,
                  json_err.text);
        return -1;
    }
    return apply_context(res->context, settings);
}

/* Takes the credentials that neither the options nor the context gave from
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. The token
 * is taken only with the access key ID from the environment, because a
 * token belongs to one key, and a stale AWS_SESSION_TOKEN must not be added
 * to other keys. */
static void apply_environment(struct settings *settings)
{
    bool key_from_environment = false;

    if (!settings->access_key) {
        settings->access_key = env_value("AWS_ACCESS_KEY_ID");
        key_from_environment = settings->access_key != NULL;
    }
    if (!settings->secret_key)
        settings->secret_key = env_value("AWS_SECRET_ACCESS_KEY");
    if (!settings->session_token && key_from_environment)
        settings->session_token = env_value("AWS_SESSION_TOKEN");
}

static void free_resources(struct resources *res)
{
    free(res->output);
    sigv4_signer_free(res->signer);
    http_request_free(&res->request);
    json_decref(res->context);
    free(res->request_text);
}

int main(int argc, char **argv)
{
    struct settings settings = {.context_expires = -1};
    struct resources res = {0};
    struct sigv4_credentials creds;
    struct sigv4_params params;
    enum sigv4_mode mode;
    char err[512];
    size_t len = 0;
    int status = EXIT_BAD_INPUT;

    log_set_program("schemareg-sigv4");
    if (parse_arguments(argc, argv, &settings) < 0)
        goto cleanup;

    res.request_text = read_file(settings.request_path, &len);
    if (!res.request_text) {
        log_error("cannot read %s: %s", settings.request_path, strerror(errno));
        goto cleanup;
    }
    if (http_request_parse(res.request_text, len, &res.request, err, sizeof(err)) < 0) {
        log_error("%s: %s", settings.request_path, err);
        goto cleanup;
    }

    if (settings.context_path && load_context(&settings, &res) < 0)
        goto cleanup;
    apply_environment(&settings);
    if (resolve(&settings, &creds, &params, &mode) < 0)
        goto cleanup;

    res.signer = sigv4_signer_new();
    if (!res.signer) {
        log_error("cannot create the signer: out of memory or OpenSSL lacks SHA-256/HMAC");
        status = EXIT_FAILURE;
        goto cleanup;
    }
    if (sign_and_print(&settings, &res, &creds, &params, mode) < 0)
        goto cleanup;
    status = EXIT_SUCCESS;

cleanup:
    free_resources(&res);
    if (stdout_close_checked() != 0)
        status = EXIT_FAILURE;
    return status;
}
