/*
 * bcryptprimitives.dll for Wine 8.0, which has none: the Go runtime (1.24
 * and later) takes its random numbers from ProcessPrng there and dies at
 * start without it. ProcessPrng fills the buffer with random bytes and
 * returns TRUE; here it calls advapi32's RtlGenRandom (SystemFunction036),
 * which Wine has. Built by .ci/wine/test into the Wine prefix's system32.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
	while (length > 0) {
		ULONG n = length > 0x10000000 ? 0x10000000 : (ULONG)length;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		length -= n;
	}
	return TRUE;
}
