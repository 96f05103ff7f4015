#ifndef CEPHEUS_CPU_HINTS_H
#define CEPHEUS_CPU_HINTS_H

/* Hints to the CPU that Swift has no spelling for. Header-only: Swift imports these
   static inline functions and inlines them. */

/* Starts loading the `lines` cache lines at `address` into the cache (for reading), so
   that a later access does not stall on memory: a worker touches events another core
   parsed, or that it parsed a whole batch ago. */
static inline void cepheus_prefetch_lines(const void *address, int lines) {
    const char *bytes = (const char *)address;
    for (int line = 0; line < lines; line++) {
        __builtin_prefetch(bytes + 64 * line, 0, 3);
    }
}

#endif
