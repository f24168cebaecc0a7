/* SPDX-License-Identifier: MIT */
// The same Windows code, compiled as C++.
#include "win32_sample.c" // NOLINT(bugprone-suspicious-include): the point
