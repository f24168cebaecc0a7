/* SPDX-License-Identifier: MIT */
/* libFuzzer target: plugins.conf.  The parser reads any bytes as a
 * configuration without crashing, and every directory it accepts is
 * absolute. */
#include "config.h"
#include "scratch.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void quiet(LPCSTR msg, void *ctx)
{
    (void)msg, (void)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[4200];
    if (!path[0]) {
        snprintf(path, sizeof path, "%s/plugins.conf", fuzz_scratch());
        mmioExtSetMessageCallback(quiet, NULL);
    }
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return 0;
    fwrite(data, 1, size, fp);
    fclose(fp);
    struct mmio_config cfg;
    mmio_config_load(path, &cfg);
    for (size_t i = 0; i < cfg.ndirs; i++)
        if (cfg.dirs[i][0] != '/')
            abort();
    if (cfg.scan_timeout_ms < 100 || cfg.scan_timeout_ms > 600000)
        abort();
    mmio_config_free(&cfg);
    return 0;
}
