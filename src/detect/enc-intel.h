/*
 * enc-intel.h — the local threat-intelligence list used by the background
 * model: JA3/JA3S/JA4/RDFP fingerprints, certificate SHA-1s, domains (with
 * their subdomains) and IP addresses. Format (docs/encrypted-detection.md):
 *
 *   # comment
 *   type,value[,score[,description]]
 *
 * type: ja3 | ja3s | ja4 | rdfp | sha1 | domain | ip; score 1–100 (default
 * 90) is the confidence a match adds; description is free text to the end
 * of the line (shown in alerts). A file with any invalid line is rejected
 * as a whole with "FILE:LINE: reason" — half-loaded intel is worse than a
 * clear error.
 */
#ifndef GL_ENC_INTEL_H
#define GL_ENC_INTEL_H

#include <stddef.h>
#include <stdint.h>

#include "../common/gl-util.h"

enum { ENC_IOC_JA3, ENC_IOC_JA3S, ENC_IOC_JA4, ENC_IOC_RDFP, ENC_IOC_SHA1, ENC_IOC_DOMAIN, ENC_IOC_IP, ENC_IOC_N };

#define ENC_INTEL_MAX_FILE (64u << 20)
#define ENC_INTEL_MAX_LINE 1024
#define ENC_INTEL_MAX_ENTRIES 1000000u

typedef struct enc_intel enc_intel;

typedef struct enc_intel_hit {
    int type;
    unsigned score;   /* 1..100 */
    const char *desc; /* "" when none */
} enc_intel_hit;

enc_intel *enc_intel_parse(const char *buf, size_t len, const char *name, char *err, size_t errlen);
enc_intel *enc_intel_load(const char *path, char *err, size_t errlen);
void enc_intel_free(enc_intel *in);
size_t enc_intel_count(const enc_intel *in);

/* Lookups return NULL when absent; hit points into in (valid while loaded).
 * Values are normalised like the file's (case, SHA-1 colons). */
int enc_intel_find(const enc_intel *in, int type, const char *value, enc_intel_hit *hit);
/* Domain: the name itself or any parent domain listed. */
int enc_intel_find_domain(const enc_intel *in, const char *name, enc_intel_hit *hit);
int enc_intel_find_ip(const enc_intel *in, const gl_addr *a, enc_intel_hit *hit);

const char *enc_ioc_name(int type);

#endif
