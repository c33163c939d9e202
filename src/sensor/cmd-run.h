/*
 * cmd-run.h — the `guanlan run` subcommand.
 */
#ifndef GL_CMD_RUN_H
#define GL_CMD_RUN_H

/* argv[0] == "run". Returns the process exit status. */
int gl_cmd_run(int argc, char **argv);

#endif
