/*
 * fuzz-incident-assets.c — libFuzzer target for the asset registry reader
 * (YAML) and the correlation rules reader, plus address lookups on what was
 * read. Any bytes must either be refused with an error naming the field or
 * give a registry whose lookups stay in bounds.
 */
#include "incident/incident-db.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static gl_asset_registry reg;
    char err[512];
    if (gl_asset_registry_parse(&reg, (const char *)data, size, err, sizeof(err))) {
        static const char *const ips[] = { "10.0.0.1", "192.0.2.200", "2001:db8::1", "::", "255.255.255.255" };
        for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
            const gl_asset *a = gl_asset_by_ip(&reg, ips[i]);
            (void)gl_asset_effective_route(&reg, a);
        }
        for (size_t i = 0; i < reg.n; i++) {
            json_t *facts = json_object(), *details = json_object();
            gl_asset_fill_facts(&reg, &reg.assets[i], facts, details);
            json_decref(gl_asset_site_seed(&reg.assets[i]));
            json_decref(facts);
            json_decref(details);
        }
    } else if (strchr(err, '\n')) {
        abort(); /* errors are one line */
    }
    gl_corr_rules rules;
    if (!gl_corr_rules_parse(&rules, (const char *)data, size, err, sizeof(err)) && strchr(err, '\n'))
        abort();
    return 0;
}
