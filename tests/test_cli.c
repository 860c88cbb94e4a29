/* schemareg-host command-line tests: exit codes, output, list --json. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "test_support.h"

/* The secret access key of the AWS documentation's examples. */
#define FAKE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

struct run_output {
    int exit_code;
    char *out;
    char *err;
};

static char *read_memfd(int fd)
{
    off_t size = lseek(fd, 0, SEEK_END);
    ck_assert_int_ge(size, 0);
    char *text = calloc((size_t)size + 1, 1);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(pread(fd, text, (size_t)size, 0), size);
    return text;
}

/* Runs schemareg-host with args (NULL-terminated) and collects its output. */
static struct run_output run_host(const char *const *args)
{
    const char *host = getenv("SCHEMAREG_HOST");
    ck_assert_msg(host != NULL, "SCHEMAREG_HOST is not set; run the tests with meson test");

    char *argv[32];
    size_t argc = 0;
    argv[argc++] = (char *)host;
    for (size_t i = 0; args[i] != NULL && argc < 31; i++)
        argv[argc++] = (char *)args[i];
    argv[argc] = NULL;

    int out = memfd_create("stdout", MFD_CLOEXEC);
    int err = memfd_create("stderr", MFD_CLOEXEC);
    ck_assert_int_ge(out, 0);
    ck_assert_int_ge(err, 0);

    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(out, STDOUT_FILENO);
        dup2(err, STDERR_FILENO);
        execv(host, argv);
        _exit(127);
    }

    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status), "schemareg-host did not exit normally");

    struct run_output output = {WEXITSTATUS(status), read_memfd(out), read_memfd(err)};
    close(out);
    close(err);
    return output;
}

static void run_output_free(struct run_output *output)
{
    free(output->out);
    free(output->err);
}

/* A command line without plugins and what it must give. */
struct usage_case {
    const char *args[6];
    int exit_code;
    const char *in_stdout;
    const char *in_stderr;
};

static const struct usage_case usage_cases[] = {
    {{"--version"}, 0, "schemareg-host 0.1.0 (provider ABI 1.0)\n", ""},
    {{"--help"}, 0, "Usage: schemareg-host [options] COMMAND [options]", ""},
    {{"-h"}, 0, "Commands:\n  list ", ""},
    {{NULL}, 2, "", "no command given"},
    {{"frobnicate"}, 2, "", "unknown command \"frobnicate\""},
    {{"--bogus", "list"}, 2, "", "unknown option --bogus"},
    {{"--plugin-dir"}, 2, "", "option --plugin-dir needs a value"},
    {{"list", "--help"}, 0, "Usage: schemareg-host [options] list [options]", ""},
    {{"list", "--help"}, 0, "--json", ""},
    {{"list", "--help"}, 0, "--providers", ""},
    {{"list", "--help"}, 0, "--plugin-timeout SECONDS", ""},
    {{"list", "--plugin-timeout", "0"}, 2, "", "invalid --plugin-timeout \"0\""},
    {{"list", "--plugin-timeout", "-1"}, 2, "", "invalid --plugin-timeout \"-1\""},
    {{"list", "--plugin-timeout", "5s"}, 2, "", "invalid --plugin-timeout \"5s\""},
    {{"list", "--plugin-timeout", "nan"}, 2, "", "invalid --plugin-timeout \"nan\""},
    {{"list", "--plugin-timeout", "3601"}, 2, "", "at most 3600"},
    {{"--plugin-timeout"}, 2, "", "option --plugin-timeout needs a value"},
    {{"validate", "--help"}, 0, "Usage: schemareg-host [options] validate", ""},
    {{"provision", "--help"}, 0, "Usage: schemareg-host [options] provision", ""},
    {{"plan", "--help"}, 0, "Usage: schemareg-host [options] plan", ""},
    {{"status", "--help"}, 0, "Usage: schemareg-host [options] status", ""},
    {{"provision"}, 2, "", "provision: --capsule CODE is required"},
    /* plan exits 1 on usage errors, because 2 means "changes pending". */
    {{"plan"}, 1, "", "plan: --capsule CODE is required"},
    {{"status"}, 2, "", "status: --capsule CODE is required"},
    {{"list", "--log-level", "loud"}, 2, "", "invalid --log-level \"loud\""},
    {{"list", "extra"}, 2, "", "list takes no arguments"},
    {{"validate", "--json"}, 2, "", "validate: unknown option --json"},
    {{"list", "--plugin-dir", ""}, 2, "", "--plugin-dir needs a directory"},
    {{"--help"}, 0, "else\n                            " SCHEMAREG_DEFAULT_PLUGIN_DIR ")\n",
     ""},
    {{"--help"}, 0, "plan exits 2 when changes are pending,\nso its usage errors exit 1.",
     ""},
    {{"list", "--help"}, 0, "Long options must be spelled in full.\n", ""},
    {{"status", "--help"}, 0, "--access-key-id ID", ""},
    {{"status", "--help"}, 0, "Other local users can read\n", ""},
    {{"plan", "--help"}, 0, "--session-token TOKEN", ""},
    {{"provision", "--help"}, 0, "--secret-access-key KEY", ""},
    {{"--vers"}, 2, "",
     "schemareg-host: error: unknown option --vers; did you mean --version?"},
    {{"list", "--provid"}, 2, "",
     "list: unknown option --provid; did you mean --providers?"},
    {{"list", "--plugin-d=/tmp"}, 2, "",
     "unknown option --plugin-d; did you mean --plugin-dir?"},
    {{"plan", "--capsul", "acme"}, 1, "",
     "plan: unknown option --capsul; did you mean --capsule?"},
    {{"status", "--capsule", "acme", "--secret-access=SECRET"}, 2, "",
     "unknown option --secret-access; did you mean --secret-access-key?"},
    {{"status", "--secret-access-kye=SECRET"}, 2, "",
     "status: unknown option --secret-access-kye; run"},
    {{"list", "--bogus"}, 2, "", "schemareg-host: error: list: unknown option --bogus"},
};

START_TEST(usage_outcome)
{
    const struct usage_case *c = &usage_cases[_i];
    struct run_output output = run_host(c->args);
    ck_assert_msg(output.exit_code == c->exit_code, "case %d: exit %d, expected %d; stderr: %s",
                  _i, output.exit_code, c->exit_code, output.err);
    ck_assert_msg(strstr(output.out, c->in_stdout) != NULL, "case %d: stdout lacks \"%s\": %s",
                  _i, c->in_stdout, output.out);
    ck_assert_msg(strstr(output.err, c->in_stderr) != NULL, "case %d: stderr lacks \"%s\": %s",
                  _i, c->in_stderr, output.err);
    run_output_free(&output);
}
END_TEST

static char *good_dir(void)
{
    char *dir = support_make_dir();
    free(support_install(dir, "full.so", "full.so", 0644));
    free(support_install(dir, "alpha.so", "alpha.so", 0644));
    return dir;
}

START_TEST(list_shows_identity_only)
{
    char *dir = good_dir();
    free(support_install(dir, "ctor_segfault.so", "ctor_segfault.so", 0644));
    free(support_install(dir, "marker.so", "marker.so", 0644));
    char *marker = support_path(dir, "constructor-ran");
    setenv("SCHEMAREG_TEST_MARKER", marker, 1);

    const char *args[] = {"--plugin-dir", dir, "list", NULL};
    struct run_output output = run_host(args);
    ck_assert_msg(output.exit_code == 0, "exit %d; stderr: %s", output.exit_code, output.err);

    const char *lines[] = {
        "/alpha.so: alpha 1.0.0 (ABI 1.0)\n",
        "/ctor_segfault.so: ctor-segfault 1.0.0 (ABI 1.0)\n",
        "/full.so: fixture-full 2.3.4 (ABI 1.0)\n",
        "/marker.so: marker 1.0.0 (ABI 1.0)\n",
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        ck_assert_msg(strstr(output.out, lines[i]) != NULL, "list output lacks \"%s\":\n%s",
                      lines[i], output.out);
    ck_assert_msg(strstr(output.out, "provider") == NULL, "list printed providers:\n%s",
                  output.out);
    ck_assert_msg(access(marker, F_OK) != 0, "list ran a plugin constructor");

    unsetenv("SCHEMAREG_TEST_MARKER");
    run_output_free(&output);
    support_remove_dir(dir);
    free(marker);
    free(dir);
}
END_TEST

START_TEST(list_providers_shows_model)
{
    char *dir = good_dir();
    const char *args[] = {"--plugin-dir", dir, "list", "--providers", NULL};
    struct run_output output = run_host(args);
    ck_assert_int_eq(output.exit_code, 0);

    const char *lines[] = {
        "/full.so: fixture-full 2.3.4 (ABI 1.0)\n",
        "  provider orders: Orders and receipts\n",
        "    table orders: key customer_id HASH (S), order_id RANGE (S); PROVISIONED, read 5, "
        "write 7; TTL expires_at\n",
        "      gsi by_status: key status HASH (S), created_at RANGE (N); projection INCLUDE "
        "(total, currency), read 3, write 4\n",
        "    table receipts: key receipt_id HASH (B); PAY_PER_REQUEST; TTL off\n",
        "    seeds: 2\n",
        "  provider accounts\n",
        "      gsi by_email: key email HASH (S); projection ALL\n",
        "/alpha.so: alpha 1.0.0 (ABI 1.0)\n",
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        ck_assert_msg(strstr(output.out, lines[i]) != NULL, "list output lacks \"%s\":\n%s",
                      lines[i], output.out);

    run_output_free(&output);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

START_TEST(common_options_after_command)
{
    char *dir = good_dir();
    const char *args[] = {"validate", "--plugin-dir", dir, "-v", NULL};
    struct run_output output = run_host(args);
    ck_assert_int_eq(output.exit_code, 0);
    ck_assert_str_eq(output.out, "2 plugins valid\n");
    ck_assert_ptr_nonnull(strstr(output.err, "debug: "));

    run_output_free(&output);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

START_TEST(option_value_not_echoed)
{
    const char *abbreviated[] = {"status", "--secret-access=" FAKE_SECRET, NULL};
    const char *misspelled[] = {"status", "--secret-access-kye=" FAKE_SECRET, NULL};
    const char *const *cases[] = {abbreviated, misspelled};

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct run_output output = run_host(cases[i]);
        ck_assert_int_eq(output.exit_code, 2);
        ck_assert_msg(strstr(output.err, "unknown option --secret-access") != NULL, "%s",
                      output.err);
        ck_assert_msg(strstr(output.err, FAKE_SECRET) == NULL, "stderr shows the value: %s",
                      output.err);
        run_output_free(&output);
    }
}
END_TEST

START_TEST(validate_counts_one_plugin)
{
    char *dir = support_make_dir();
    free(support_install(dir, "alpha.so", "alpha.so", 0644));
    const char *args[] = {"--plugin-dir", dir, "validate", NULL};
    struct run_output output = run_host(args);
    ck_assert_int_eq(output.exit_code, 0);
    ck_assert_str_eq(output.out, "1 plugin valid\n");

    run_output_free(&output);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

START_TEST(validate_names_each_bad_file)
{
    char *dir = support_make_dir();
    const char *fixtures[] = {"junk.so", "no_note.so", "abi_major_2.so", "entry_null.so",
                              "dup_a.so", "dup_b.so"};
    for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++)
        free(support_install(dir, fixtures[i], fixtures[i], 0644));

    const char *args[] = {"--plugin-dir", dir, "validate", NULL};
    struct run_output output = run_host(args);
    ck_assert_int_eq(output.exit_code, 1);

    const char *expected[] = {
        "/junk.so: not a shared object (not an ELF file) [load]\n",
        "/no_note.so: not a schemareg plugin",
        "/abi_major_2.so: built for ABI major 2",
        "/entry_null.so: schemareg_providers() returned NULL [load]\n",
        "/dup_b.so: duplicate service id \"shared\", already declared by ",
        "5 problems found, 1 plugin loaded\n",
    };
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
        ck_assert_msg(strstr(output.out, expected[i]) != NULL, "validate output lacks \"%s\":\n%s",
                      expected[i], output.out);

    run_output_free(&output);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

START_TEST(validate_reports_rule_problems)
{
    char *dir = support_make_dir();
    free(support_install(dir, "full.so", "full.so", 0644));
    free(support_install(dir, "null_service_id.so", "null_service_id.so", 0644));

    const char *args[] = {"--plugin-dir", dir, "validate", NULL};
    struct run_output output = run_host(args);
    ck_assert_int_eq(output.exit_code, 1);
    ck_assert_msg(strstr(output.out, "/null_service_id.so: ") != NULL, "%s", output.out);
    ck_assert_msg(strstr(output.out, " [service-id]\n") != NULL, "%s", output.out);
    ck_assert_msg(strstr(output.out, "1 problem found, 2 plugins loaded\n") != NULL, "%s",
                  output.out);

    run_output_free(&output);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

START_TEST(insecure_option_warns)
{
    char *dir = support_make_dir();
    free(support_install(dir, "alpha.so", "alpha.so", 0666));

    const char *strict[] = {"--plugin-dir", dir, "validate", NULL};
    struct run_output output = run_host(strict);
    ck_assert_int_eq(output.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(output.out, "file is world-writable"));
    run_output_free(&output);

    const char *insecure[] = {"--plugin-dir", dir, "validate", "--allow-insecure-plugins", NULL};
    output = run_host(insecure);
    ck_assert_int_eq(output.exit_code, 0);
    ck_assert_ptr_nonnull(strstr(output.err, "warn: insecure plugin loading is enabled"));
    ck_assert_ptr_nonnull(strstr(output.err, "file is world-writable (mode 0666); accepted "
                                             "because of --allow-insecure-plugins\n"));
    ck_assert_ptr_null(strstr(output.err, "use --allow-insecure-plugins"));
    run_output_free(&output);

    support_remove_dir(dir);
    free(dir);
}
END_TEST

START_TEST(missing_directory_fails)
{
    char *dir = support_make_dir();
    char *missing = support_path(dir, "absent");
    const char *args[] = {"list", "--plugin-dir", missing, NULL};
    struct run_output output = run_host(args);
    ck_assert_int_eq(output.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(output.err, "absent: plugin directory does not exist; check "
                                             "the path given with --plugin-dir\n"));
    ck_assert_ptr_null(strstr(output.err, "pass --plugin-dir"));
    ck_assert_str_eq(output.out, "no plugins loaded\n");

    run_output_free(&output);
    support_remove_dir(dir);
    free(missing);
    free(dir);
}
END_TEST

static const json_t *member(const json_t *object, const char *key)
{
    const json_t *value = json_object_get(object, key);
    ck_assert_msg(value != NULL, "missing key %s", key);
    return value;
}

static void assert_string_member(const json_t *object, const char *key, const char *expected)
{
    const json_t *value = member(object, key);
    if (expected == NULL) {
        ck_assert_msg(json_is_null(value), "%s should be null", key);
        return;
    }
    ck_assert_msg(json_is_string(value), "%s should be a string", key);
    ck_assert_str_eq(json_string_value(value), expected);
}

static void assert_integer_member(const json_t *object, const char *key, json_int_t expected)
{
    const json_t *value = member(object, key);
    ck_assert_msg(json_is_integer(value), "%s should be an integer", key);
    ck_assert_int_eq(json_integer_value(value), expected);
}

static void assert_key(const json_t *keys, size_t index, const char *name, const char *type)
{
    const json_t *key = json_array_get(keys, index);
    assert_string_member(key, "attribute_name", name);
    assert_string_member(key, "key_type", type);
}

START_TEST(list_json_parsed_back)
{
    char *dir = good_dir();
    const char *args[] = {"--plugin-dir", dir, "list", "--json", NULL};
    struct run_output output = run_host(args);
    ck_assert_int_eq(output.exit_code, 0);

    json_error_t error;
    json_t *root = json_loads(output.out, JSON_REJECT_DUPLICATES, &error);
    ck_assert_msg(root != NULL, "list --json is not JSON: %s", error.text);
    ck_assert_uint_eq(json_array_size(member(root, "errors")), 0);
    const json_t *plugins = member(root, "plugins");
    ck_assert_uint_eq(json_array_size(plugins), 2);

    const json_t *plugin = json_array_get(plugins, 1);
    ck_assert_ptr_nonnull(strstr(json_string_value(member(plugin, "path")), "/full.so"));
    assert_string_member(plugin, "plugin_name", "fixture-full");
    assert_string_member(plugin, "plugin_version", "2.3.4");
    assert_integer_member(plugin, "abi_major", 1);
    assert_integer_member(plugin, "abi_minor", 0);

    const json_t *providers = member(plugin, "providers");
    ck_assert_uint_eq(json_array_size(providers), 2);
    const json_t *orders = json_array_get(providers, 0);
    assert_string_member(orders, "service_id", "orders");
    assert_string_member(orders, "description", "Orders and receipts");

    const json_t *tables = member(orders, "tables");
    ck_assert_uint_eq(json_array_size(tables), 2);
    const json_t *table = json_array_get(tables, 0);
    assert_string_member(table, "name", "orders");
    const json_t *attributes = member(table, "attributes");
    ck_assert_uint_eq(json_array_size(attributes), 4);
    assert_string_member(json_array_get(attributes, 3), "name", "created_at");
    assert_string_member(json_array_get(attributes, 3), "type", "N");
    ck_assert_uint_eq(json_array_size(member(table, "key_schema")), 2);
    assert_key(member(table, "key_schema"), 0, "customer_id", "HASH");
    assert_key(member(table, "key_schema"), 1, "order_id", "RANGE");
    assert_string_member(table, "billing_mode", "PROVISIONED");
    assert_integer_member(table, "read_capacity_units", 5);
    assert_integer_member(table, "write_capacity_units", 7);
    assert_string_member(table, "ttl_attribute", "expires_at");

    const json_t *gsi = json_array_get(member(table, "gsis"), 0);
    assert_string_member(gsi, "index_name", "by_status");
    assert_key(member(gsi, "key_schema"), 0, "status", "HASH");
    assert_key(member(gsi, "key_schema"), 1, "created_at", "RANGE");
    assert_string_member(gsi, "projection_type", "INCLUDE");
    const json_t *non_key = member(gsi, "non_key_attributes");
    ck_assert_uint_eq(json_array_size(non_key), 2);
    ck_assert_str_eq(json_string_value(json_array_get(non_key, 0)), "total");
    ck_assert_str_eq(json_string_value(json_array_get(non_key, 1)), "currency");
    assert_integer_member(gsi, "read_capacity_units", 3);
    assert_integer_member(gsi, "write_capacity_units", 4);

    const json_t *receipts = json_array_get(tables, 1);
    assert_string_member(receipts, "billing_mode", "PAY_PER_REQUEST");
    assert_string_member(receipts, "ttl_attribute", NULL);
    assert_string_member(json_array_get(member(receipts, "attributes"), 0), "type", "B");
    ck_assert_uint_eq(json_array_size(member(receipts, "gsis")), 0);

    const json_t *seeds = member(orders, "seeds");
    ck_assert_uint_eq(json_array_size(seeds), 2);
    const json_t *seed = json_array_get(seeds, 0);
    assert_string_member(seed, "table", "orders");
    assert_string_member(seed, "condition_expression",
                         "attribute_not_exists(customer_id) AND #s = :v");
    json_t *item = json_pack("{s:{s:s}, s:{s:s}, s:{s:s}}", "customer_id", "S", "c#1",
                             "order_id", "S", "o#1", "total", "N", "12.50");
    ck_assert(json_equal(item, member(seed, "item")));
    json_decref(item);
    ck_assert_str_eq(json_string_value(member(seed, "item_json")),
                     "{\"customer_id\":{\"S\":\"c#1\"},\"order_id\":{\"S\":\"o#1\"},"
                     "\"total\":{\"N\":\"12.50\"}}");
    assert_string_member(member(seed, "expression_attribute_names"), "#s", "status");
    assert_string_member(seed, "expression_attribute_names_json", "{\"#s\":\"status\"}");
    assert_string_member(member(member(seed, "expression_attribute_values"), ":v"), "N", "1");
    assert_string_member(json_array_get(seeds, 1), "expression_attribute_values", NULL);

    const json_t *accounts = json_array_get(providers, 1);
    assert_string_member(accounts, "service_id", "accounts");
    assert_string_member(accounts, "description", NULL);
    const json_t *by_email = json_array_get(member(json_array_get(member(accounts, "tables"), 0),
                                                   "gsis"),
                                            0);
    assert_string_member(by_email, "projection_type", "ALL");
    ck_assert_uint_eq(json_array_size(member(accounts, "seeds")), 0);

    json_decref(root);
    run_output_free(&output);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

START_TEST(list_json_reports_errors)
{
    char *dir = support_make_dir();
    free(support_install(dir, "junk.so", "junk.so", 0644));
    const char *args[] = {"--plugin-dir", dir, "list", "--json", NULL};
    struct run_output output = run_host(args);
    ck_assert_int_eq(output.exit_code, 1);

    json_t *root = json_loads(output.out, 0, NULL);
    ck_assert_ptr_nonnull(root);
    ck_assert_uint_eq(json_array_size(member(root, "plugins")), 0);
    const json_t *error = json_array_get(member(root, "errors"), 0);
    ck_assert_ptr_nonnull(strstr(json_string_value(member(error, "path")), "/junk.so"));
    assert_string_member(error, "message", "not a shared object (not an ELF file)");

    json_decref(root);
    run_output_free(&output);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

/* Asserts that text is valid UTF-8 and contains no control byte but '\n'. */
static void assert_terminal_safe(const char *what, const char *text)
{
    json_t *string = json_string(text);
    ck_assert_msg(string != NULL, "%s is not valid UTF-8", what);
    json_decref(string);
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++)
        ck_assert_msg((*p >= 0x20 && *p != 0x7f) || *p == '\n',
                      "%s holds control byte 0x%02x at offset %td", what, *p,
                      (const char *)p - text);
}

/* The escapes fixture's strings, as every text output must show them. */
#define ESCAPED_NAME "bad\\xff\\x1b.so"
#define ESCAPED_DESCRIPTION                                                             \
    "provider esc\\x1b[31mred: first line\\x0aschemareg-host: info: forged "         \
    "line\\x1b]0;title\\x07 \\xc2\\x9b\n"

START_TEST(text_output_escapes_plugin_strings)
{
    char *dir = support_make_dir();
    free(support_install(dir, "escapes.so", "bad\xff\x1b.so", 0644));
    const char *notes[] = {"--plugin-dir", dir, "list", NULL};
    const char *providers[] = {"--plugin-dir", dir, "list", "--providers", NULL};
    const char *validate[] = {"--plugin-dir", dir, "validate", NULL};

    struct run_output output = run_host(notes);
    ck_assert_int_eq(output.exit_code, 0);
    assert_terminal_safe("list stdout", output.out);
    ck_assert_msg(strstr(output.out, "/" ESCAPED_NAME ": escapes\\x1b[1m 1.0.0") != NULL,
                  "list: %s", output.out);
    run_output_free(&output);

    output = run_host(providers);
    ck_assert_int_eq(output.exit_code, 0);
    assert_terminal_safe("list --providers stdout", output.out);
    ck_assert_msg(strstr(output.out, ESCAPED_DESCRIPTION) != NULL, "list: %s", output.out);
    ck_assert_msg(strstr(output.out, "; TTL ttl\\x1b[2J\n") != NULL, "list: %s", output.out);
    run_output_free(&output);

    output = run_host(validate);
    ck_assert_int_eq(output.exit_code, 1);
    assert_terminal_safe("validate stdout", output.out);
    assert_terminal_safe("validate stderr", output.err);
    ck_assert_msg(strstr(output.out, "/" ESCAPED_NAME ": service \"esc\\x1b[31mred\": the "
                                     "service id is invalid") != NULL,
                  "validate: %s", output.out);
    run_output_free(&output);

    support_remove_dir(dir);
    free(dir);
}
END_TEST

START_TEST(list_json_non_utf8_file_names)
{
    char *dir = support_make_dir();
    free(support_install(dir, "escapes.so", "bad\xff\x1b.so", 0644));
    free(support_install(dir, "junk.so", "junk\xfe.so", 0644));
    const char *args[] = {"--plugin-dir", dir, "list", "--json", NULL};
    struct run_output output = run_host(args);
    ck_assert_int_eq(output.exit_code, 1);
    assert_terminal_safe("list --json stderr", output.err);

    json_error_t error;
    json_t *root = json_loads(output.out, 0, &error);
    ck_assert_msg(root != NULL, "list --json printed no JSON (%s): %s", error.text, output.out);
    const json_t *plugin = json_array_get(member(root, "plugins"), 0);
    const char *path = json_string_value(member(plugin, "path"));
    ck_assert_ptr_nonnull(path);
    ck_assert_msg(strstr(path, "/" ESCAPED_NAME) != NULL, "path %s", path);
    /* Valid UTF-8 strings stay exact: JSON escapes their controls. */
    const json_t *provider = json_array_get(member(plugin, "providers"), 0);
    assert_string_member(provider, "description",
                         "first line\nschemareg-host: info: forged line\x1b]0;title\x07 "
                         "\xc2\x9b");

    const json_t *failure = json_array_get(member(root, "errors"), 0);
    const char *failed_path = json_string_value(member(failure, "path"));
    ck_assert_ptr_nonnull(failed_path);
    ck_assert_msg(strstr(failed_path, "/junk\\xfe.so") != NULL, "path %s", failed_path);
    assert_string_member(failure, "message", "not a shared object (not an ELF file)");

    json_decref(root);
    run_output_free(&output);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

START_TEST(validate_reports_crash_among_good)
{
    char *dir = good_dir();
    free(support_install(dir, "ctor_segfault.so", "ctor_segfault.so", 0644));

    const char *args[] = {"--plugin-dir", dir, "validate", NULL};
    struct run_output output = run_host(args);
    ck_assert_int_eq(output.exit_code, 1);

    const char *expected[] = {
        "/ctor_segfault.so: crashed while loading: killed by signal 11 (SIGSEGV) [load]\n",
        "1 problem found, 2 plugins loaded\n",
    };
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
        ck_assert_msg(strstr(output.out, expected[i]) != NULL, "validate output lacks \"%s\":\n%s",
                      expected[i], output.out);

    run_output_free(&output);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

START_TEST(validate_reports_timeout)
{
    char *dir = good_dir();
    free(support_install(dir, "ctor_hang.so", "ctor_hang.so", 0644));

    const char *args[] = {"--plugin-dir", dir, "validate", "--plugin-timeout", "0.2", NULL};
    struct run_output output = run_host(args);
    ck_assert_int_eq(output.exit_code, 1);
    ck_assert_msg(strstr(output.out, "/ctor_hang.so: timed out after 0.2 s while loading") !=
                      NULL,
                  "%s", output.out);
    ck_assert_msg(strstr(output.out, "1 problem found, 2 plugins loaded\n") != NULL, "%s",
                  output.out);

    run_output_free(&output);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

/* Finds the error of the file whose path ends with suffix. */
static const json_t *error_for(const json_t *errors, const char *suffix)
{
    for (size_t i = 0; i < json_array_size(errors); i++) {
        const char *path = json_string_value(json_object_get(json_array_get(errors, i), "path"));
        size_t length = path != NULL ? strlen(path) : 0;
        if (length >= strlen(suffix) && strcmp(path + length - strlen(suffix), suffix) == 0)
            return json_array_get(errors, i);
    }
    ck_abort_msg("no error for %s", suffix);
    return NULL;
}

START_TEST(list_json_reports_crashes)
{
    char *dir = good_dir();
    free(support_install(dir, "ctor_exit.so", "ctor_exit.so", 0644));
    free(support_install(dir, "prints_stdout.so", "prints_stdout.so", 0644));
    free(support_install(dir, "garbage_pointers.so", "garbage_pointers.so", 0644));

    const char *args[] = {"--plugin-dir", dir, "list", "--json", NULL};
    struct run_output output = run_host(args);
    ck_assert_int_eq(output.exit_code, 1);

    /* The plugin's greeting must not reach the host's stdout. */
    json_error_t error;
    json_t *root = json_loads(output.out, JSON_REJECT_DUPLICATES, &error);
    ck_assert_msg(root != NULL, "list --json is not JSON (%s):\n%s", error.text, output.out);
    ck_assert_ptr_null(strstr(output.out, "hello from a plugin\n"));

    const json_t *plugins = member(root, "plugins");
    ck_assert_uint_eq(json_array_size(plugins), 2);
    assert_string_member(json_array_get(plugins, 0), "plugin_name", "alpha");
    assert_string_member(json_array_get(plugins, 1), "plugin_name", "fixture-full");

    const json_t *errors = member(root, "errors");
    ck_assert_uint_eq(json_array_size(errors), 3);
    const char *exit_message = json_string_value(member(error_for(errors, "/ctor_exit.so"),
                                                        "message"));
    ck_assert_ptr_nonnull(strstr(exit_message, "exited with status 0 before sending"));
    const char *stdout_message =
        json_string_value(member(error_for(errors, "/prints_stdout.so"), "message"));
    ck_assert_ptr_nonnull(strstr(stdout_message, "wrote 20 bytes to stdout while loading"));
    const char *crash_message =
        json_string_value(member(error_for(errors, "/garbage_pointers.so"), "message"));
    ck_assert_str_eq(crash_message, "crashed while loading: killed by signal 11 (SIGSEGV)");

    json_decref(root);
    run_output_free(&output);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

START_TEST(list_json_reports_loader_death)
{
    char *dir = support_make_dir();
    free(support_install(dir, "kills_loader.so", "kills_loader.so", 0644));

    const char *args[] = {"--plugin-dir", dir, "list", "--json", NULL};
    struct run_output output = run_host(args);
    ck_assert_int_eq(output.exit_code, 1);

    json_error_t error;
    json_t *root = json_loads(output.out, JSON_REJECT_DUPLICATES, &error);
    ck_assert_msg(root != NULL, "list --json is not JSON (%s):\n%s", error.text, output.out);
    ck_assert_uint_eq(json_array_size(member(root, "plugins")), 0);
    const json_t *errors = member(root, "errors");
    ck_assert_uint_eq(json_array_size(errors), 1);
    const char *message =
        json_string_value(member(error_for(errors, "/kills_loader.so"), "message"));
    ck_assert_str_eq(message, "not loaded: the plugin loader process ended before it reported "
                              "on this plugin (it was killed by signal 9 (SIGKILL))");

    json_decref(root);
    run_output_free(&output);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

/* The host's credentials in its environment, as the AWS tools read them,
 * never reach a plugin's constructor. */
START_TEST(host_secrets_hidden_from_plugins)
{
    char *dir = support_make_dir();
    char *marker = support_path(dir, "environment");
    free(support_install(dir, "env_marker.so", "env_marker.so", 0644));
    setenv("SCHEMAREG_TEST_MARKER", marker, 1);
    setenv("AWS_SECRET_ACCESS_KEY", "cli-host-secret-key", 1);
    setenv("AWS_SESSION_TOKEN", "cli-host-session-token", 1);

    const char *args[] = {"--plugin-dir", dir, "list", "--providers", NULL};
    struct run_output output = run_host(args);
    ck_assert_int_eq(output.exit_code, 0);

    FILE *file = fopen(marker, "r");
    ck_assert_msg(file != NULL, "the plugin's constructor did not write %s", marker);
    char seen[4096];
    size_t length = fread(seen, 1, sizeof(seen) - 1, file);
    seen[length] = '\0';
    fclose(file);
    ck_assert_msg(strstr(seen, "AWS_SECRET_ACCESS_KEY unset\n") != NULL, "%s", seen);
    ck_assert_msg(strstr(seen, "AWS_SESSION_TOKEN unset\n") != NULL, "%s", seen);
    ck_assert_ptr_null(strstr(seen, "cli-host-secret-key"));
    ck_assert_ptr_null(strstr(seen, "cli-host-session-token"));

    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
    run_output_free(&output);
    support_remove_dir(dir);
    free(marker);
    free(dir);
}
END_TEST

START_TEST(load_in_process_option_warns)
{
    char *dir = good_dir();
    const char *args[] = {"--plugin-dir", dir, "--load-in-process", "list", "--providers", NULL};
    struct run_output output = run_host(args);
    ck_assert_int_eq(output.exit_code, 0);
    ck_assert_ptr_nonnull(strstr(output.out, "  provider orders: Orders and receipts\n"));
    ck_assert_ptr_nonnull(strstr(output.err, "warn: plugins are loaded in the host process"));

    run_output_free(&output);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

/* A TCP socket on 127.0.0.1 that accepts nothing while the host runs. The
 * kernel queues every connection attempt, so the test can count them after
 * the host exits. */
struct listener {
    int fd;
    char url[64];
};

static struct listener listener_start(void)
{
    struct listener listener;
    listener.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    ck_assert_int_ge(listener.fd, 0);

    struct sockaddr_in address = {.sin_family = AF_INET};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(listener.fd, (struct sockaddr *)&address, sizeof(address)), 0);
    ck_assert_int_eq(listen(listener.fd, 16), 0);

    socklen_t length = sizeof(address);
    ck_assert_int_eq(getsockname(listener.fd, (struct sockaddr *)&address, &length), 0);
    snprintf(listener.url, sizeof(listener.url), "http://127.0.0.1:%u",
             (unsigned)ntohs(address.sin_port));
    return listener;
}

/* Accepts and counts the queued connections, then closes the listener. */
static int listener_stop(struct listener *listener)
{
    int count = 0;
    int connection;
    while ((connection = accept(listener->fd, NULL, NULL)) >= 0) {
        close(connection);
        count++;
    }
    ck_assert_int_eq(errno, EAGAIN);
    close(listener->fd);
    return count;
}

static void set_fake_credentials(void)
{
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET, 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_CONFIG_FILE", "/dev/null", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null", 1);
    const char *unset[] = {"AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_SESSION_TOKEN",
                           "AWS_CA_BUNDLE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB",
                           "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                           "AWS_CONTAINER_CREDENTIALS_FULL_URI"};
    for (size_t i = 0; i < sizeof(unset) / sizeof(unset[0]); i++)
        unsetenv(unset[i]);
}

START_TEST(provision_stops_on_crash)
{
    char *dir = good_dir();
    free(support_install(dir, "ctor_segfault.so", "ctor_segfault.so", 0644));
    set_fake_credentials();
    struct listener listener = listener_start();

    const char *args[] = {"--plugin-dir", dir, "provision", "--capsule", "acme", "--region",
                          "us-east-1", "--endpoint-url", listener.url, NULL};
    struct run_output output = run_host(args);
    int connections = listener_stop(&listener);

    ck_assert_int_eq(output.exit_code, 1);
    ck_assert_msg(strstr(output.err, "/ctor_segfault.so: crashed while loading: killed by "
                                     "signal 11 (SIGSEGV)") != NULL,
                  "%s", output.err);
    ck_assert_msg(strstr(output.err, "invalid plugins: nothing was provisioned") != NULL, "%s",
                  output.err);
    ck_assert_int_eq(connections, 0);

    run_output_free(&output);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

START_TEST(provision_skips_crashed_plugin)
{
    char *dir = good_dir();
    free(support_install(dir, "ctor_exit.so", "ctor_exit.so", 0644));
    set_fake_credentials();
    struct listener listener = listener_start();

    /* With the listener closed, the port refuses connections, so the first
     * request fails at once; the message shows that provision sent it. */
    const char *args[] = {"--plugin-dir", dir, "provision", "--capsule", "acme",
                          "--skip-invalid", "--max-attempts", "1", "--region", "us-east-1",
                          "--endpoint-url", listener.url, NULL};
    close(listener.fd);
    struct run_output output = run_host(args);

    ck_assert_int_eq(output.exit_code, 1);
    ck_assert_msg(strstr(output.err, "/ctor_exit.so: exited with status 0 before sending") !=
                      NULL,
                  "%s", output.err);
    ck_assert_msg(strstr(output.err, "invalid plugins: nothing was provisioned") == NULL, "%s",
                  output.err);
    ck_assert_msg(strstr(output.err, "CreateTable on state table schemareg-state failed") !=
                      NULL,
                  "%s", output.err);

    run_output_free(&output);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

/* Runs status for capsule acme against a closed port on 127.0.0.1, with
 * extra arguments (at most 8, NULL-terminated). The request fails at once,
 * after the AWS configuration was resolved and logged. */
static struct run_output run_status(const char *const *extra)
{
    struct listener listener = listener_start();
    close(listener.fd);

    const char *args[20] = {"status", "--capsule", "acme", "--max-attempts", "1",
                            "--endpoint-url", listener.url};
    size_t count = 7;
    for (size_t i = 0; extra[i] != NULL && count < 19; i++)
        args[count++] = extra[i];
    args[count] = NULL;
    return run_host(args);
}

START_TEST(debug_log_names_sources)
{
    set_fake_credentials();
    const char *extra[] = {"--region", "eu-west-1", "--log-level", "debug", NULL};
    struct run_output output = run_status(extra);

    ck_assert_int_eq(output.exit_code, 1);
    const char *expected[] = {
        "schemareg-host: debug: AWS configuration: credentials from environment; region "
        "eu-west-1 from command-line option --region; endpoint http://127.0.0.1:",
        " from command-line option --endpoint-url\n",
    };
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
        ck_assert_msg(strstr(output.err, expected[i]) != NULL, "stderr lacks \"%s\":\n%s",
                      expected[i], output.err);
    ck_assert_msg(strstr(output.err, FAKE_SECRET) == NULL, "stderr shows the secret key");

    run_output_free(&output);
}
END_TEST

START_TEST(credentials_from_options)
{
    set_fake_credentials();
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    const char *extra[] = {"--region", "us-east-1", "--access-key-id", "AKIDOPTION",
                           "--secret-access-key", FAKE_SECRET, "--session-token",
                           "token-value-0123456789", "-vv", NULL};
    struct run_output output = run_status(extra);

    ck_assert_int_eq(output.exit_code, 1);
    ck_assert_msg(strstr(output.err, "credentials from command-line options; region") != NULL,
                  "%s", output.err);
    ck_assert_msg(strstr(output.err, FAKE_SECRET) == NULL, "stderr shows the secret key");
    ck_assert_msg(strstr(output.err, "token-value-0123456789") == NULL, "stderr shows the token");

    run_output_free(&output);
}
END_TEST

START_TEST(missing_credentials_lists_sources)
{
    set_fake_credentials();
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    const char *extra[] = {"--region", "us-east-1", NULL};
    struct run_output output = run_status(extra);

    ck_assert_int_eq(output.exit_code, 1);
    ck_assert_msg(strstr(output.err, "no AWS credentials found; checked in order: "
                                     "--access-key-id with --secret-access-key, "
                                     "AWS_ACCESS_KEY_ID with AWS_SECRET_ACCESS_KEY, ") != NULL,
                  "%s", output.err);
    ck_assert_msg(strstr(output.err, "pass them on the command line") == NULL, "%s", output.err);

    run_output_free(&output);
}
END_TEST

/* Credential sources that schemareg does not support: the environment of
 * IRSA, or profile keys in a config file. */
struct unsupported_case {
    const char *variable;  /* set to "x", or NULL */
    const char *config;    /* config file text, or NULL */
    const char *expected;
};

static const struct unsupported_case unsupported_cases[] = {
    {"AWS_WEB_IDENTITY_TOKEN_FILE", NULL, "AWS_WEB_IDENTITY_TOKEN_FILE is set, but schemareg"},
    {"AWS_ROLE_ARN", NULL, "AWS_ROLE_ARN is set, but schemareg does not support"},
    {NULL, "[default]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = b\n",
     "role_arn is set in the profile, but schemareg"},
    {NULL, "[default]\nsso_session = corp\nsso_account_id = 123456789012\n",
     "sso_session is set in the profile"},
};

START_TEST(unsupported_credentials_named)
{
    const struct unsupported_case *c = &unsupported_cases[_i];
    char *dir = support_make_dir();
    char *config = support_path(dir, "config");

    set_fake_credentials();
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    if (c->variable != NULL)
        setenv(c->variable, "x", 1);
    if (c->config != NULL) {
        FILE *file = fopen(config, "w");
        ck_assert_ptr_nonnull(file);
        fputs(c->config, file);
        fclose(file);
        setenv("AWS_CONFIG_FILE", config, 1);
    }
    const char *extra[] = {"--region", "us-east-1", NULL};
    struct run_output output = run_status(extra);

    ck_assert_int_eq(output.exit_code, 1);
    ck_assert_msg(strstr(output.err, c->expected) != NULL, "%s", output.err);
    ck_assert_msg(strstr(output.err, "credential_process = aws configure export-credentials "
                                     "--profile NAME --format process") != NULL,
                  "%s", output.err);
    ck_assert_msg(strstr(output.err, "no AWS credentials found") != NULL, "%s", output.err);

    run_output_free(&output);
    support_remove_dir(dir);
    free(config);
    free(dir);
}
END_TEST

START_TEST(missing_config_file_named)
{
    char *dir = support_make_dir();
    char *missing = support_path(dir, "confg");
    char *credentials = support_path(dir, "credentials");
    FILE *file = fopen(credentials, "w");
    ck_assert_ptr_nonnull(file);
    fputs("[local]\naws_access_key_id = AKIDFILE\naws_secret_access_key = secret-in-file\n",
          file);
    ck_assert_int_eq(fclose(file), 0);
    set_fake_credentials();
    setenv("AWS_CONFIG_FILE", missing, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", credentials, 1);

    const char *extra[] = {"--profile", "local", NULL};
    struct run_output output = run_status(extra);

    ck_assert_int_eq(output.exit_code, 1);
    char expected[1024];
    snprintf(expected, sizeof(expected), "schemareg-host: warn: AWS_CONFIG_FILE names %s, "
             "which does not exist; no profile settings are read from it", missing);
    ck_assert_msg(strstr(output.err, expected) != NULL, "stderr lacks \"%s\":\n%s", expected,
                  output.err);
    snprintf(expected, sizeof(expected), "(your region) to [profile local] in %s (file not "
             "found)\n", missing);
    ck_assert_msg(strstr(output.err, expected) != NULL, "stderr lacks \"%s\":\n%s", expected,
                  output.err);

    run_output_free(&output);
    support_remove_dir(dir);
    free(credentials);
    free(missing);
    free(dir);
}
END_TEST

static Suite *cli_suite(void)
{
    Suite *suite = suite_create("cli");
    TCase *tc = tcase_create("commands");
    tcase_add_loop_test(tc, usage_outcome, 0,
                        (int)(sizeof(usage_cases) / sizeof(usage_cases[0])));
    tcase_add_test(tc, list_shows_identity_only);
    tcase_add_test(tc, list_providers_shows_model);
    tcase_add_test(tc, validate_reports_crash_among_good);
    tcase_add_test(tc, validate_reports_timeout);
    tcase_add_test(tc, list_json_reports_crashes);
    tcase_add_test(tc, load_in_process_option_warns);
    tcase_add_test(tc, provision_stops_on_crash);
    tcase_add_test(tc, provision_skips_crashed_plugin);
    tcase_add_test(tc, common_options_after_command);
    tcase_add_test(tc, validate_names_each_bad_file);
    tcase_add_test(tc, validate_counts_one_plugin);
    tcase_add_test(tc, option_value_not_echoed);
    tcase_add_test(tc, debug_log_names_sources);
    tcase_add_test(tc, credentials_from_options);
    tcase_add_test(tc, missing_credentials_lists_sources);
    tcase_add_test(tc, missing_config_file_named);
    tcase_add_loop_test(tc, unsupported_credentials_named, 0,
                        (int)(sizeof(unsupported_cases) / sizeof(unsupported_cases[0])));
    tcase_add_test(tc, validate_reports_rule_problems);
    tcase_add_test(tc, insecure_option_warns);
    tcase_add_test(tc, missing_directory_fails);
    tcase_add_test(tc, list_json_parsed_back);
    tcase_add_test(tc, list_json_reports_errors);
    tcase_add_test(tc, text_output_escapes_plugin_strings);
    tcase_add_test(tc, list_json_non_utf8_file_names);
    tcase_add_test(tc, list_json_reports_loader_death);
    tcase_add_test(tc, host_secrets_hidden_from_plugins);
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(cli_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
