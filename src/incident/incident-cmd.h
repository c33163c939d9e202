/*
 * incident-cmd.h — entry of the database-backed `guanlan incident`
 * sub-commands (incident-cmd.c), called from gl_cmd_incident.
 */
#ifndef GL_INCIDENT_CMD_H
#define GL_INCIDENT_CMD_H

#include <stdio.h>

/* argv[0] == "incident", argv[1] the sub-command. Returns the exit status,
 * or -1 when argv[1] is not one of these sub-commands. */
int gl_inc_cmd_db(int argc, char **argv);
void gl_inc_cmd_usage(FILE *out);

#endif
