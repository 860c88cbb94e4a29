/*
 * schemareg-host commands. Each takes the arguments from its own name on
 * (argv[0] is the command name) and returns a CLI_EXIT_* code.
 */
#ifndef SCHEMAREG_COMMANDS_H
#define SCHEMAREG_COMMANDS_H

int cmd_list(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_provision(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_status(int argc, char **argv);

#endif
