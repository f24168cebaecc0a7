/* mmsystem.h - compatibility header: Windows code includes this name. */
#ifndef MMIO_MMSYSTEM_H
#define MMIO_MMSYSTEM_H
#include "mmio.h"
#endif
