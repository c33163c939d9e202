/*
 * enc-cmd.h — command-line entry points of encrypted-traffic detection
 * (argv[0] is the command name). Each returns the process exit status:
 * 0 success, 1 failure, 2 usage error.
 */
#ifndef GL_ENC_CMD_H
#define GL_ENC_CMD_H

int gl_cmd_train(int argc, char **argv);       /* guanlan train --pcap X --labels Y.csv */
int gl_cmd_feedback(int argc, char **argv);    /* guanlan feedback FLOW_ID --label benign|malicious */
int gl_cmd_model(int argc, char **argv);       /* guanlan model list | rollback VERSION */
int gl_cmd_explain(int argc, char **argv);     /* guanlan explain FLOW_ID [--format json|svg] */
int gl_cmd_fingerprint(int argc, char **argv); /* guanlan fingerprint cluster --db DB */

#endif
