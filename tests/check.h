/*
 * check.h — minimal assertion helpers for guanlan's C test programs.
 * A program reports how many checks ran and fails if any failed or none ran.
 */
#ifndef GL_TEST_CHECK_H
#define GL_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int t_failures, t_checks;

#define T_CHECK(cond)                                                                  \
    do {                                                                               \
        t_checks++;                                                                    \
        if (!(cond)) {                                                                 \
            t_failures++;                                                              \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
        }                                                                              \
    } while (0)

#define T_EQ_U(a, b)                                                                   \
    do {                                                                               \
        unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b); \
        t_checks++;                                                                    \
        if (a_ != b_) {                                                                \
            t_failures++;                                                              \
            fprintf(stderr, "%s:%d: %s == %llu, expected %llu\n", __FILE__, __LINE__,  \
                    #a, a_, b_);                                                       \
        }                                                                              \
    } while (0)

#define T_EQ_S(a, b)                                                                   \
    do {                                                                               \
        const char *a_ = (a), *b_ = (b);                                               \
        t_checks++;                                                                    \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                       \
            t_failures++;                                                              \
            fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__,        \
                    __LINE__, #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)");             \
        }                                                                              \
    } while (0)

static inline int t_report(const char *name)
{
    fprintf(stderr, "%s: %d checks, %d failed\n", name, t_checks, t_failures);
    return (t_failures || !t_checks) ? 1 : 0;
}

#endif
