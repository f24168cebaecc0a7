/* SPDX-License-Identifier: MIT */
/* Includes every public header: compiled as C89 to C11 and C++98 to C++20
 * by headers.sh, warnings as errors. */
#include <mmio.h>
#include <mmio_plugin.h>
#include <mmreg.h>
#include <mmsystem.h>

int main(void)
{
    WAVEFORMATEXTENSIBLE x;
    MMIOINFO info;
    x.Format.wFormatTag = WAVE_FORMAT_EXTENSIBLE;
    x.SubFormat = KSDATAFORMAT_SUBTYPE_PCM;
    mmioPluginSetFileState(&info, &x);
    return mmioPluginGetFileState(&info) == &x && sizeof(PCMWAVEFORMAT) == 16
               ? 0
               : 1;
}
