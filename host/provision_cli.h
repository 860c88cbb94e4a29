/*
 * Command-line parts shared by provision, plan and status: the capsule,
 * state table and AWS options, loading and validating plugins, and the
 * DynamoDB client.
 */
#ifndef SCHEMAREG_PROVISION_CLI_H
#define SCHEMAREG_PROVISION_CLI_H

#include <stddef.h>

#include "catalog.h"
#include "cli.h"
#include "credentials.h"
#include "ddb_client.h"
#include "loader.h"
#include "provision.h"

enum provision_cli_option_id {
    PROVISION_OPT_CAPSULE = CLI_OPT_FIRST_COMMAND_OPTION,
    PROVISION_OPT_STATE_TABLE,
    PROVISION_OPT_JSON,
    PROVISION_OPT_WAIT_TIMEOUT,
    PROVISION_OPT_MAX_ATTEMPTS,
    PROVISION_OPT_SKIP_INVALID,
    PROVISION_OPT_REGION,
    PROVISION_OPT_ENDPOINT_URL,
    PROVISION_OPT_PROFILE,
    PROVISION_OPT_TABLE_CONCURRENCY,
    PROVISION_OPT_SEED_CONCURRENCY,
    PROVISION_OPT_ACCESS_KEY_ID,
    PROVISION_OPT_SECRET_ACCESS_KEY,
    PROVISION_OPT_SESSION_TOKEN,
    PROVISION_OPT_REQUEST_TIMEOUT,
};

/* Options of every command that talks to DynamoDB. */
#define PROVISION_CLI_LONG_OPTIONS                                                   \
    {"capsule", required_argument, NULL, PROVISION_OPT_CAPSULE},                     \
        {"state-table", required_argument, NULL, PROVISION_OPT_STATE_TABLE},         \
        {"json", no_argument, NULL, PROVISION_OPT_JSON},                             \
        {"max-attempts", required_argument, NULL, PROVISION_OPT_MAX_ATTEMPTS},       \
        {"request-timeout", required_argument, NULL, PROVISION_OPT_REQUEST_TIMEOUT}, \
        {"region", required_argument, NULL, PROVISION_OPT_REGION},                   \
        {"endpoint-url", required_argument, NULL, PROVISION_OPT_ENDPOINT_URL},       \
        {"profile", required_argument, NULL, PROVISION_OPT_PROFILE},                 \
        {"access-key-id", required_argument, NULL, PROVISION_OPT_ACCESS_KEY_ID},     \
        {"secret-access-key", required_argument, NULL, PROVISION_OPT_SECRET_ACCESS_KEY}, \
        {"session-token", required_argument, NULL, PROVISION_OPT_SESSION_TOKEN}

/* Help lines for PROVISION_CLI_LONG_OPTIONS. */
#define PROVISION_CLI_OPTIONS_HELP                                                        \
    "  --capsule CODE            capsule (tenant) code: 1 to 32 characters of a-z, 0-9\n" \
    "                            and '-'; tables are named CODE-TABLE (repeatable)\n"     \
    "  --state-table NAME        DynamoDB table of checkpoints (default schemareg-state)\n" \
    "  --json                    print the result as JSON on stdout\n"                  \
    "  --max-attempts N          attempts per request, retries included (default:\n"   \
    "                            AWS_MAX_ATTEMPTS, else 3)\n"                           \
    "  --request-timeout SECONDS time limit of each attempt of a request, connecting\n" \
    "                            included, 1 to 3600 (default 30); a request takes at\n" \
    "                            most attempts x this plus up to 20 s of backoff\n"     \
    "                            between attempts, and never more than --wait-timeout\n" \
    "                            while waiting for a table\n"                            \
    "  --region REGION           AWS region (default: AWS_REGION, then the profile)\n" \
    "  --endpoint-url URL        DynamoDB endpoint, e.g. http://127.0.0.1:8000\n"       \
    "  --profile NAME            profile of ~/.aws/config and ~/.aws/credentials\n" \
    "  --access-key-id ID        AWS access key ID; needs --secret-access-key\n"     \
    "  --secret-access-key KEY   AWS secret access key. Other local users can read\n" \
    "                            a command line in the process list: prefer\n"       \
    "                            AWS_SECRET_ACCESS_KEY or a profile\n"               \
    "  --session-token TOKEN     session token of temporary credentials (same\n"    \
    "                            warning)\n"

/* Help lines of --skip-invalid, an option of plan and provision. */
#define PROVISION_CLI_SKIP_INVALID_HELP                                                   \
    "  --skip-invalid            leave out the invalid plugins and report them instead\n" \
    "                            of stopping\n"

struct provision_cli_args {
    const char **capsules; /* strings belong to argv */
    size_t capsules_count;
    const char *state_table;
    int json;
    long wait_timeout_s;
    int max_attempts; /* 0: AWS_MAX_ATTEMPTS or the client's default */
    long request_timeout_s; /* each attempt of a request */
    int skip_invalid;
    int table_concurrency; /* 0: PROVISION_DEFAULT_TABLE_CONCURRENCY */
    int seed_concurrency;  /* 0: PROVISION_DEFAULT_SEED_CONCURRENCY */
    struct aws_options aws;
};

/* Plugins that passed loading and validation, and the providers to use. */
struct provision_cli_catalog {
    struct loader_result loaded;
    struct catalog_plugin *valid; /* shallow copies of loaded.plugins entries */
    size_t valid_count;
    const struct catalog_provider **providers; /* sorted by service id */
    size_t providers_count;
    json_t *skipped; /* [{"path", "reason"}] of plugins left out by --skip-invalid */
};

void provision_cli_args_init(struct provision_cli_args *args);
void provision_cli_args_free(struct provision_cli_args *args);

/* Applies one option of PROVISION_CLI_LONG_OPTIONS (and --wait-timeout,
 * --skip-invalid, --table-concurrency, --seed-concurrency). Returns 0, or -1 after logging an invalid value. */
int provision_cli_option(struct provision_cli_args *args, int opt, const char *arg);

/* Checks that at least one --capsule was given. Returns 0 or -1 (logged). */
int provision_cli_require_capsule(const struct provision_cli_args *args, const char *command);

/*
 * Loads the plugins and validates them. Every loader error and validation
 * problem is logged. Returns 0 when all are valid, or when skip_invalid
 * is set (the invalid ones are left out and listed in catalog->skipped);
 * -1 otherwise, before any request is sent.
 */
int provision_cli_load(const struct provision_cli_args *args, struct provision_cli_catalog *catalog);
void provision_cli_catalog_free(struct provision_cli_catalog *catalog);

/* Resolves the AWS configuration and creates the client. Returns 0, or -1
 * after logging why. Free with provision_cli_disconnect. */
int provision_cli_connect(const struct provision_cli_args *args, struct aws_config **config,
                          struct ddb_client **client);
void provision_cli_disconnect(struct aws_config *config, struct ddb_client *client);

/* Prints value as indented JSON and a newline to stdout. */
void provision_cli_print_json(const json_t *value);

/* The part of a command that talks to DynamoDB, called once the options
 * are parsed, the plugins are loaded (catalog is NULL for a command that
 * loads none) and the client is ready. Returns the exit code. */
typedef int provision_cli_run_fn(const struct provision_cli_args *args,
                                 const struct provision_cli_catalog *catalog,
                                 struct ddb_client *client);

/* A command of schemareg-host that talks to DynamoDB. */
struct provision_cli_command {
    const struct cli_command_info *info;
    const struct option *options; /* getopt_long table, ending with a zero entry */
    int usage_exit;               /* exit code of a usage error */
    int load_plugins;             /* nonzero: load and validate plugins first */
    provision_cli_run_fn *run;
};

/*
 * Runs a command: parses argv (argv[0] is the command name), requires a
 * --capsule, loads and validates the plugins when the command needs them,
 * resolves the AWS configuration, creates the client and calls
 * command->run. Returns the exit code: command->usage_exit on a usage
 * error, CLI_EXIT_ERROR when loading or connecting failed.
 */
int provision_cli_main(int argc, char **argv, const struct provision_cli_command *command);

/* Returns the failed steps of result plus one when the whole capsule
 * failed (result->err set), so a run that stopped before its first step
 * never reports 0 failures. */
size_t provision_cli_failures(const struct provision_capsule_result *result);

/* Prints the capsule-wide error of result, if any, as an indented line. */
void provision_cli_print_error(const struct provision_capsule_result *result);

/* Allocates one result per --capsule, each with the capsule code and an
 * empty step report that prints every step to stdout unless --json is
 * set. Returns NULL when memory runs out. Free with provision_cli_finish. */
struct provision_capsule_result *provision_cli_results_new(const struct provision_cli_args *args);

/* Prints the text summary of one capsule of plan or provision. */
typedef void provision_cli_summary_fn(const struct provision_capsule_result *result);

/* Logs the capsule-wide error of result, if any, and then prints the
 * summary with print_summary unless --json is set. */
void provision_cli_report_capsule(const struct provision_cli_args *args,
                                  const struct provision_capsule_result *result,
                                  provision_cli_summary_fn *print_summary);

/*
 * Prints the JSON result of plan or provision on stdout when --json is
 * set, frees results and their step reports, and returns overall, the
 * exit code of the command. result_name names an exit code in the JSON.
 */
int provision_cli_finish(const struct provision_cli_args *args,
                         const struct provision_cli_catalog *catalog,
                         struct provision_capsule_result *results,
                         const char *(*result_name)(int exit_code), int overall);

#endif
