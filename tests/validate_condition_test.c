/*
 * The seed-condition proof: which condition expressions keep PutItem from
 * replacing an existing item of a table whose partition key is "pk".
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "validate_context.h"

struct condition_case {
    const char *expression;
    const char *names_json; /* NULL for no expression attribute names */
    int protects;
};

static const struct condition_case cases[] = {
    /* Protected: the check alone, through a name, or as an AND term. */
    {"attribute_not_exists(pk)", NULL, 1},
    {"  attribute_not_exists ( pk )  ", NULL, 1},
    {"attribute_not_exists(#k)", "{\"#k\":\"pk\"}", 1},
    {"attribute_not_exists(pk) AND version < :v", NULL, 1},
    {"version < :v and attribute_not_exists(pk)", NULL, 1},
    {"(attribute_not_exists(pk))", NULL, 1},
    {"((attribute_not_exists(#k)) AND size(note) > :n)", "{\"#k\":\"pk\"}", 1},
    {"attribute_not_exists(pk) AND (a = :a OR b = :b)", NULL, 1},
    {"price BETWEEN :lo AND :hi AND attribute_not_exists(pk)", NULL, 1},
    {"attribute_not_exists(pk) OR attribute_not_exists(#k)", "{\"#k\":\"pk\"}", 1},
    {"(attribute_not_exists(pk) AND a = :a) OR (b = :b AND attribute_not_exists(pk))", NULL, 1},
    {"tier IN (:a, :b) AND attribute_not_exists(pk)", NULL, 1},

    /* Not protected: another attribute, a weakening OR, negations, other
     * functions and paths. */
    {"attribute_not_exists(plan_id)", NULL, 0},
    {"attribute_not_exists(sk)", NULL, 0},
    {"attribute_exists(pk) OR attribute_not_exists(pk)", NULL, 0},
    {"attribute_not_exists(pk) OR version < :v", NULL, 0},
    {"version < :v OR attribute_not_exists(pk)", NULL, 0},
    {"(attribute_not_exists(pk) OR a = :a) AND b = :b", NULL, 0},
    {"NOT attribute_not_exists(pk)", NULL, 0},
    {"NOT attribute_exists(pk)", NULL, 0},
    {"attribute_exists(pk)", NULL, 0},
    {"attribute_not_exists(#k)", "{\"#k\":\"plan_id\"}", 0},
    {"attribute_not_exists(#k)", NULL, 0},
    {"attribute_not_exists(pk.inner)", NULL, 0},
    {"attribute_not_exists(pk[0])", NULL, 0},
    {"attribute_not_exists(pkx)", NULL, 0},
    {"ATTRIBUTE_NOT_EXISTS(pk)", NULL, 0},
    {"attribute_not_exists(pk) = :t", NULL, 0},
    {"price BETWEEN attribute_not_exists(pk) AND :hi", NULL, 0},
    {"size(pk) > :n", NULL, 0},

    /* Not protected because malformed. */
    {"", NULL, 0},
    {"attribute_not_exists(pk", NULL, 0},
    {"attribute_not_exists(pk))", NULL, 0},
    {"(attribute_not_exists(pk)", NULL, 0},
    {"attribute_not_exists(pk) AND", NULL, 0},
    {"AND attribute_not_exists(pk)", NULL, 0},
    {"attribute_not_exists() AND", NULL, 0},
    {"attribute_not_exists(pk) AND ()", NULL, 0},
};

START_TEST(condition_protection)
{
    const struct condition_case *c = &cases[_i];
    json_t *names = NULL;

    if (c->names_json != NULL) {
        names = json_loads(c->names_json, 0, NULL);
        ck_assert_ptr_nonnull(names);
    }
    ck_assert_msg(validate_condition_protects(c->expression, names, "pk") == c->protects,
                  "\"%s\" with names %s: expected %s", c->expression,
                  c->names_json != NULL ? c->names_json : "(none)",
                  c->protects ? "protected" : "not protected");
    json_decref(names);
}
END_TEST

START_TEST(deep_nesting_rejected)
{
    char expression[4096];
    size_t len = 0;

    /* 1,000 parentheses around the check: beyond the nesting limit, so
     * rejected without exhausting the stack. */
    for (int i = 0; i < 1000; i++)
        expression[len++] = '(';
    len += (size_t)snprintf(expression + len, sizeof(expression) - len,
                            "attribute_not_exists(pk)");
    for (int i = 0; i < 1000 && len + 1 < sizeof(expression); i++)
        expression[len++] = ')';
    expression[len] = '\0';

    ck_assert_int_eq(validate_condition_protects(expression, NULL, "pk"), 0);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("validate_condition");
    TCase *tcase = tcase_create("protection");
    SRunner *runner;
    int failed;

    tcase_add_loop_test(tcase, condition_protection, 0, sizeof(cases) / sizeof(cases[0]));
    tcase_add_test(tcase, deep_nesting_rejected);
    suite_add_tcase(suite, tcase);
    runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
