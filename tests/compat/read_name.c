/* SPDX-License-Identifier: MIT */
/* A third-party client, built by the install scripts against an installed
 * tree: prints what opening NAME gives (any procedure).
 *   read_name NAME */
#include <mmsystem.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    char buf[64] = "";
    if (argc != 2)
        return 2;
    HMMIO h = mmioOpen(argv[1], NULL, MMIO_READ);
    if (!h)
        return 1;
    LONG n = mmioRead(h, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("%s\n", buf);
    return mmioClose(h, 0) == 0 ? 0 : 1;
}
