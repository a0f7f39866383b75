/* Independent FMAs, as many as the core can issue: the FLOP/s this kernel
 * reaches on one core is the double-precision peak measured, not assumed.
 *
 * Compiled at run time by the probe (cc -O2 -march=native) when a C compiler
 * is present. GNU C vector types take the widest vectors the compiler enables
 * for this CPU; with -ffp-contract=fast (GCC's default outside ISO mode) each
 * `acc * m + c` is one fused multiply-add. ACCUMULATORS independent chains
 * cover FMA latency x FMA units on every core of today (4 cycles x 2 units on
 * x86, 4 x 4 on Neoverse V1/V2) while fitting the register file (16 vector
 * registers with AVX2, 32 with AVX-512 and NEON).
 */
#if defined(__AVX512F__)
#define VECTOR_BYTES 64
#define ACCUMULATORS 16
#elif defined(__AVX__)
#define VECTOR_BYTES 32
#define ACCUMULATORS 12
#else
#define VECTOR_BYTES 16
#define ACCUMULATORS 16
#endif

typedef double vector __attribute__((vector_size(VECTOR_BYTES)));

int fma_vector_doubles(void) { return VECTOR_BYTES / 8; }
int fma_accumulators(void) { return ACCUMULATORS; }

/* iterations x ACCUMULATORS x (VECTOR_BYTES / 8) FMAs, 2 FLOPs each. The
 * values converge to c / (1 - m) = 10000: no overflow, no denormal. */
double fma_loop(long iterations) {
    vector acc[ACCUMULATORS], m, c;
    for (int k = 0; k < VECTOR_BYTES / 8; k++) {
        m[k] = 0.9999999;
        c[k] = 1e-3;
    }
    for (int i = 0; i < ACCUMULATORS; i++)
        for (int k = 0; k < VECTOR_BYTES / 8; k++)
            acc[i][k] = i + k;
    for (long it = 0; it < iterations; it++) {
#pragma GCC unroll 16
        for (int i = 0; i < ACCUMULATORS; i++)
            acc[i] = acc[i] * m + c;
    }
    vector sum = acc[0];
    for (int i = 1; i < ACCUMULATORS; i++)
        sum += acc[i];
    double total = 0;
    for (int k = 0; k < VECTOR_BYTES / 8; k++)
        total += sum[k];
    return total;
}
