/*
 * main.c — the guanlan command line: one binary, one subcommand per job.
 */
#include <stdio.h>
#include <string.h>

#include "console/console.h"
#include "detect/enc-cmd.h"
#include "incident/incident.h"
#include "output/store.h"
#include "sensor/cmd-run.h"

#ifndef GUANLAN_VERSION
#define GUANLAN_VERSION "0.1.0"
#endif

static void usage(FILE *out)
{
    fprintf(out,
            "guanlan %s — network security monitoring and incident reporting\n"
            "\n"
            "usage: guanlan COMMAND [options]\n"
            "\n"
            "commands:\n"
            "  run      analyse pcap/pcapng files or a live interface into EVE JSON + SQLite\n"
            "  query    search the events stored in guanlan.db (by type, host, time range)\n"
            "  incident grade | new | correlate | list [--due] | show | set-fact | status |\n"
            "           report | verify   incidents graded under the CAC Grading Guide, their\n"
            "           reporting deadlines, Art. 7/8 reports and SM3 hash chain\n"
            "  train    build the encrypted-traffic models from labelled captures (P/R/F1 report)\n"
            "  feedback FLOW_ID --label benign|malicious   analyst verdict; models learn online\n"
            "  model    list | rollback VERSION   versions of the online-learned models\n"
            "  explain  FLOW_ID [--format json|svg]   fishbone explanation of an encrypted-threat alert\n"
            "  fingerprint cluster   group TLS sessions into families (fingerprint + behaviour)\n"
            "  console  serve the analyst console (HTTPS JSON API, roles, audit); console verify-audit\n"
            "  version  print the version\n"
            "\n"
            "'guanlan COMMAND --help' documents each command and all its options.\n",
            GUANLAN_VERSION);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("guanlan %s\n", GUANLAN_VERSION);
        return 0;
    }
    if (strcmp(cmd, "run") == 0)
        return gl_cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "incident") == 0)
        return gl_cmd_incident(argc - 1, argv + 1);
    if (strcmp(cmd, "query") == 0)
        return gl_cmd_query(argc - 1, argv + 1);
    if (strcmp(cmd, "train") == 0)
        return gl_cmd_train(argc - 1, argv + 1);
    if (strcmp(cmd, "feedback") == 0)
        return gl_cmd_feedback(argc - 1, argv + 1);
    if (strcmp(cmd, "model") == 0)
        return gl_cmd_model(argc - 1, argv + 1);
    if (strcmp(cmd, "explain") == 0)
        return gl_cmd_explain(argc - 1, argv + 1);
    if (strcmp(cmd, "fingerprint") == 0)
        return gl_cmd_fingerprint(argc - 1, argv + 1);
    if (strcmp(cmd, "console") == 0)
        return gl_cmd_console(argc - 1, argv + 1);
    fprintf(stderr, "guanlan: unknown command '%s' (see guanlan --help)\n", cmd);
    return 2;
}
