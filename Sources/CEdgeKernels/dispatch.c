// Variant selection (CPUID / EDGEC_ISA), the worker pool, per-thread scratch and the public
// entry points, which split work over the pool only along independent outputs.
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// MARK: variant selection

static const char *const isa_names[EK_ISA_COUNT] = {"baseline", "avx2", "avx512"};

const char *ek_isa_name(int isa) { return isa >= 0 && isa < EK_ISA_COUNT ? isa_names[isa] : NULL; }

#if defined(__x86_64__)
#include <cpuid.h>

static unsigned long long read_xcr0(void) {
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

/// CPUID feature bits plus the OS's saved register state (XCR0), as the ISA manuals require:
/// AVX needs XMM|YMM state, AVX-512 additionally opmask and both ZMM halves.
static int cpu_supports(int isa) {
    if (isa == EK_ISA_BASELINE) return 1;
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!osxsave || !avx || !fma) return 0;
    unsigned long long xcr0 = read_xcr0();
    if ((xcr0 & 0x6) != 0x6) return 0;
    if (__get_cpuid_max(0, NULL) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    const int avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1;
    if (isa == EK_ISA_AVX2) return avx2;
    if (isa == EK_ISA_AVX512) return avx2 && avx512f && (xcr0 & 0xe6) == 0xe6;
    return 0;
}

static const ek_variant *const variants[EK_ISA_COUNT] = {&ek_variant_baseline, &ek_variant_avx2, &ek_variant_avx512};
#else
static int cpu_supports(int isa) { return isa == EK_ISA_BASELINE; }
static const ek_variant *const variants[EK_ISA_COUNT] = {&ek_variant_baseline, NULL, NULL};
#endif

int ek_isa_supported(int isa) { return isa >= 0 && isa < EK_ISA_COUNT && variants[isa] && cpu_supports(isa); }

static _Atomic int active_isa = -1;
static char environment_problem[160];
static pthread_once_t select_once = PTHREAD_ONCE_INIT;

static void select_isa(void) {
    int best = EK_ISA_BASELINE;
    for (int i = 0; i < EK_ISA_COUNT; i++)
        if (ek_isa_supported(i)) best = i;
    const char *forced = getenv("EDGEC_ISA");
    if (forced && *forced) {
        int found = -1;
        for (int i = 0; i < EK_ISA_COUNT; i++)
            if (strcmp(forced, isa_names[i]) == 0) found = i;
        if (found < 0) {
            snprintf(environment_problem, sizeof environment_problem,
                     "EDGEC_ISA=%s is not a kernel variant (baseline, avx2, avx512)", forced);
        } else if (!ek_isa_supported(found)) {
            snprintf(environment_problem, sizeof environment_problem,
                     "EDGEC_ISA=%s: this CPU or build has no %s kernels", forced, forced);
        } else {
            best = found;
        }
    }
    int expected = -1;
    atomic_compare_exchange_strong(&active_isa, &expected, best);
}

int ek_isa_active(void) {
    pthread_once(&select_once, select_isa);
    return atomic_load(&active_isa);
}

int ek_isa_force(int isa) {
    pthread_once(&select_once, select_isa);
    if (!ek_isa_supported(isa)) return 0;
    atomic_store(&active_isa, isa);
    return 1;
}

const char *ek_isa_environment_problem(void) {
    pthread_once(&select_once, select_isa);
    return environment_problem[0] ? environment_problem : NULL;
}

const ek_variant *ek_active_variant(void) { return variants[ek_isa_active()]; }

int ek_gemm_tile_rows(void) { return ek_active_variant()->mr; }
int ek_gemm_tile_cols(void) { return ek_active_variant()->nr; }

// MARK: scratch

static _Thread_local struct {
    float *p;
    size_t cap;
} scratch[4];

float *ek_scratch(int slot, size_t floats) {
    if (scratch[slot].cap < floats) {
        free(scratch[slot].p);
        size_t cap = floats + floats / 4 + 64;
        void *p = NULL;
        if (posix_memalign(&p, 64, cap * sizeof(float)) != 0) abort();
        scratch[slot].p = p;
        scratch[slot].cap = cap;
    }
    return scratch[slot].p;
}

// MARK: worker pool

enum { MAX_THREADS = 256 };

static struct {
    pthread_mutex_t mu;
    pthread_cond_t wake, idle;
    pthread_mutex_t job_mu;  // one parallel job at a time; other callers run serially
    int workers, threads;
    unsigned long generation;
    int open, limit;
    _Atomic int active;
    _Atomic unsigned long published;  // = generation, for spinning without the lock
    ek_task_fn fn;
    void *ctx;
    ptrdiff_t count;
    _Atomic ptrdiff_t next;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
          PTHREAD_MUTEX_INITIALIZER, 0, 1, 0, 0, 1, 0, 0, NULL, NULL, 0, 0};

static _Thread_local int in_task;

static void run_tasks(ek_task_fn fn, void *ctx, ptrdiff_t count) {
    ptrdiff_t i;
    while ((i = atomic_fetch_add(&pool.next, 1)) < count) fn(ctx, i);
}

static inline void cpu_relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// Spins while the job stays `seen` for about 100 µs (2^14 pauses); 1 when a new one appeared.
/// A model runs one kernel call after another, each a few µs to ms: a worker that went to sleep
/// after every call would be woken through the scheduler (tens of µs in a VM) for each.
static int spin_for_job(unsigned long seen) {
    for (int i = 0; i < (1 << 14); i++) {
        if (atomic_load_explicit(&pool.published, memory_order_acquire) != seen) return 1;
        cpu_relax();
    }
    return 0;
}

static void *worker_main(void *arg) {
    const int index = (int)(ptrdiff_t)arg;  // 1-based; the caller is thread 0
    unsigned long seen = 0;
    in_task = 1;
    pthread_mutex_lock(&pool.mu);
    for (;;) {
        while (!(pool.open && pool.generation != seen && index < pool.limit)) {
            // A closed job or one for fewer threads is skipped.
            if (pool.generation != seen) seen = pool.generation;
            pthread_mutex_unlock(&pool.mu);
            int fresh = spin_for_job(seen);
            pthread_mutex_lock(&pool.mu);
            // Checked under the lock the caller publishes under, so no wake-up is missed.
            if (!fresh && pool.generation == seen) pthread_cond_wait(&pool.wake, &pool.mu);
        }
        seen = pool.generation;
        pool.active++;
        ek_task_fn fn = pool.fn;
        void *ctx = pool.ctx;
        ptrdiff_t count = pool.count;
        pthread_mutex_unlock(&pool.mu);
        run_tasks(fn, ctx, count);
        pthread_mutex_lock(&pool.mu);
        if (--pool.active == 0) pthread_cond_signal(&pool.idle);
    }
    return NULL;
}

/// Creates pool threads until there are `count` (pool.mu held).
static void ensure_workers(int count) {
    while (pool.workers < count) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&t, &attr, worker_main, (void *)(ptrdiff_t)(pool.workers + 1));
        pthread_attr_destroy(&attr);
        if (failed) break;
        pool.workers++;
    }
}

static void set_threads(int threads) {
    if (threads < 1) threads = 1;
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    pthread_mutex_lock(&pool.mu);
    ensure_workers(threads - 1);
    pool.threads = pool.workers + 1 < threads ? pool.workers + 1 : threads;
    pthread_mutex_unlock(&pool.mu);
}

static pthread_once_t threads_once = PTHREAD_ONCE_INIT;

/// The default thread count: EDGEC_THREADS when it is a positive number, else 1.
static void default_threads(void) {
    const char *text = getenv("EDGEC_THREADS");
    if (!text || !*text) return;
    char *end = NULL;
    long n = strtol(text, &end, 10);
    if (end && *end == 0 && n >= 1) set_threads(n > MAX_THREADS ? MAX_THREADS : (int)n);
}

void ek_set_threads(int threads) {
    pthread_once(&threads_once, default_threads);
    set_threads(threads);
}

int ek_cpu_count(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

int ek_threads(void) {
    pthread_once(&threads_once, default_threads);
    pthread_mutex_lock(&pool.mu);
    int t = pool.threads;
    pthread_mutex_unlock(&pool.mu);
    return t;
}

void ek_parallel_for(ptrdiff_t count, ek_task_fn fn, void *ctx) { ek_parallel_for_threads(count, 0, fn, ctx); }

void ek_parallel_for_threads(ptrdiff_t count, int threads, ek_task_fn fn, void *ctx) {
    if (count <= 0) return;
    if (threads <= 0) threads = ek_threads();
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    if (count == 1 || in_task || threads <= 1 || pthread_mutex_trylock(&pool.job_mu) != 0) {
        for (ptrdiff_t i = 0; i < count; i++) fn(ctx, i);
        return;
    }
    pthread_mutex_lock(&pool.mu);
    ensure_workers(threads - 1);
    pool.fn = fn;
    pool.ctx = ctx;
    pool.count = count;
    atomic_store(&pool.next, 0);
    pool.limit = threads;
    pool.generation++;
    pool.open = 1;
    atomic_store_explicit(&pool.published, pool.generation, memory_order_release);
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.mu);

    in_task = 1;
    run_tasks(fn, ctx, count);
    in_task = 0;

    // Workers still running tasks of this job finish soon: spin before sleeping on the lock.
    for (int i = 0; i < (1 << 14) && atomic_load(&pool.active) > 0; i++) cpu_relax();
    pthread_mutex_lock(&pool.mu);
    while (pool.active > 0) pthread_cond_wait(&pool.idle, &pool.mu);
    pool.open = 0;  // late workers skip this job
    pthread_mutex_unlock(&pool.mu);
    pthread_mutex_unlock(&pool.job_mu);
}

// MARK: GEMM

/// A call's variant, thread count and blocking, from its ek_config (NULL: defaults).
typedef struct {
    const ek_variant *v;
    int threads;
    ptrdiff_t mc, kc, nc;
    int conv_form;
} resolved;

static resolved resolve(const ek_config *config) {
    resolved r = {ek_active_variant(), ek_threads(), 0, 0, 0, 0};
    if (config) {
        if (config->isa >= 0 && ek_isa_supported(config->isa)) r.v = variants[config->isa];
        if (config->threads > 0) r.threads = config->threads;
        r.mc = config->mc;
        r.kc = config->kc;
        r.nc = config->nc;
        r.conv_form = config->conv_form;
    }
    const ptrdiff_t mr = r.v->mr, nr = r.v->nr;
    r.mc = r.mc > 0 ? (r.mc + mr - 1) / mr * mr : r.v->mc;
    r.kc = r.kc > 0 ? r.kc : r.v->kc;
    r.nc = r.nc > 0 ? (r.nc + nr - 1) / nr * nr : r.v->nc;
    return r;
}

typedef struct {
    const ek_variant *v;
    const ek_gemm_job *job;
    int by_rows;
    ptrdiff_t chunk;  // tiles per task
} gemm_split;

static void gemm_task(void *ctx, ptrdiff_t t) {
    const gemm_split *s = ctx;
    const ek_gemm_job *j = s->job;
    if (s->by_rows) {
        ptrdiff_t i0 = t * s->chunk * s->v->mr, i1 = i0 + s->chunk * s->v->mr;
        s->v->gemm_range(j, i0, i1 < j->m ? i1 : j->m, 0, j->n);
    } else {
        ptrdiff_t j0 = t * s->chunk * s->v->nr, j1 = j0 + s->chunk * s->v->nr;
        s->v->gemm_range(j, 0, j->m, j0, j1 < j->n ? j1 : j->n);
    }
}

/// Splits C into tasks of whole register tiles (columns when there are enough, else rows).
static void run_blocked(const resolved *r, ek_gemm_job *j) {
    const ek_variant *v = r->v;
    const int threads = r->threads;
    j->mc = r->mc;
    j->kc = r->kc;
    j->nc = r->nc;
    const ptrdiff_t mt = (j->m + v->mr - 1) / v->mr, nt = (j->n + v->nr - 1) / v->nr;
    const double flops = 2.0 * (double)j->m * (double)j->n * (double)j->k;
    if (threads <= 1 || flops < 2e5 || (mt < 2 && nt < 2)) {
        v->gemm_range(j, 0, j->m, 0, j->n);
        return;
    }
    gemm_split s = {v, j, 0, 1};
    ptrdiff_t tiles;
    if (nt >= 2 * threads || nt >= mt) {
        tiles = nt;
    } else {
        s.by_rows = 1;
        tiles = mt;
    }
    // Up to 4 tasks per thread (for balance), but at least 4 tiles per task beyond one per
    // thread: each task packs the other operand's panels for itself (all of A for a column
    // range), which for small products (a transformer's 32 × 128 × 128) costs more than the
    // imbalance of fewer, larger tasks.
    ptrdiff_t tasks = tiles / 4 > threads ? tiles / 4 : threads;
    if (tasks > 4 * threads) tasks = 4 * threads;
    if (tasks > tiles) tasks = tiles;
    s.chunk = (tiles + tasks - 1) / tasks;
    tasks = (tiles + s.chunk - 1) / s.chunk;
    ek_parallel_for_threads(tasks, threads, gemm_task, &s);
}

// MARK: prepacked operands

struct ek_packed {
    const ek_variant *v;
    int side;            // 0: A (rows = m), 1: B (rows = n), 2: a convolution's Wᵀ for gemm_t_range (rows = oc)
    ptrdiff_t kc, rows, k, pad, groups;
    size_t floats;
    float *data;         // groups × (pad · k) floats
};

static ek_packed *packed_new(const resolved *r, int side, ptrdiff_t rows, ptrdiff_t k, ptrdiff_t groups) {
    if (rows <= 0 || k <= 0 || groups <= 0) return NULL;
    const ptrdiff_t tile = side == 0 ? r->v->mr : side == 1 ? r->v->nr : r->v->nr_t, pad = (rows + tile - 1) / tile * tile;
    if ((double)pad * (double)k * (double)groups * sizeof(float) > (double)((size_t)1 << 40)) return NULL;
    ek_packed *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    *p = (ek_packed){r->v, side, r->kc, rows, k, pad, groups, (size_t)(pad * k * groups), NULL};
    void *data = NULL;
    if (posix_memalign(&data, 64, p->floats * sizeof(float)) != 0) {
        free(p);
        return NULL;
    }
    p->data = data;
    return p;
}

/// Packs one group's operand into `d` (pad·k floats): every depth block's panels, in order.
static void pack_all(const ek_packed *p, const ek_gemm_job *j, float *d) {
    for (ptrdiff_t pc = 0; pc < p->k; pc += p->kc) {
        ptrdiff_t klen = p->k - pc < p->kc ? p->k - pc : p->kc;
        if (p->side == 0) p->v->pack_a(j, 0, p->rows, pc, klen, d + pc * p->pad);
        else if (p->side == 1) p->v->pack_b(j, pc, klen, 0, p->rows, d + pc * p->pad);
        else p->v->pack_b_t(j, pc, klen, 0, p->rows, d + pc * p->pad);
    }
}

ek_packed *ek_pack_gemm_a(const ek_config *config, ptrdiff_t m, ptrdiff_t k, const float *a, ptrdiff_t lda,
                          int transpose_a) {
    const resolved r = resolve(config);
    ek_packed *p = packed_new(&r, 0, m, k, 1);
    if (!p) return NULL;
    ek_gemm_job j = {.m = m, .k = k, .a = a, .lda = lda, .trans_a = transpose_a};
    pack_all(p, &j, p->data);
    return p;
}

ek_packed *ek_pack_gemm_b(const ek_config *config, ptrdiff_t k, ptrdiff_t n, const float *b, ptrdiff_t ldb,
                          int transpose_b) {
    const resolved r = resolve(config);
    ek_packed *p = packed_new(&r, 1, n, k, 1);
    if (!p) return NULL;
    ek_gemm_job j = {.n = n, .k = k, .b = b, .ldb = ldb, .trans_b = transpose_b};
    pack_all(p, &j, p->data);
    return p;
}

size_t ek_packed_bytes(const ek_packed *p) { return p ? p->floats * sizeof(float) : 0; }

void ek_packed_free(ek_packed *p) {
    if (!p) return;
    free(p->data);
    free(p);
}

/// Group `group`'s panels of p when p fits this call (variant, blocking, side and sizes), else NULL.
static const float *packed_panels(const ek_packed *p, const resolved *r, int side, ptrdiff_t rows, ptrdiff_t k,
                                  ptrdiff_t group, ptrdiff_t *pad) {
    if (!p || p->v != r->v || p->kc != r->kc || p->side != side || p->rows != rows || p->k != k || group >= p->groups)
        return NULL;
    *pad = p->pad;
    return p->data + group * p->pad * p->k;
}

typedef struct {
    const ek_variant *v;
    const float *a, *b;
    ptrdiff_t as, ldb, k, n, chunk;
    float *c;
    ptrdiff_t cs;
    int accumulate, dots;
} vec_split;

static void vec_task(void *ctx, ptrdiff_t t) {
    const vec_split *s = ctx;
    ptrdiff_t j0 = t * s->chunk, j1 = j0 + s->chunk < s->n ? j0 + s->chunk : s->n;
    if (s->dots) {
        for (ptrdiff_t j = j0; j < j1; j++) {
            float d = s->v->dot(s->a, s->as, s->b + j * s->ldb, s->k);
            s->c[j * s->cs] = s->accumulate ? s->c[j * s->cs] + d : d;
        }
    } else {
        s->v->row_times_matrix(s->a, s->as, s->b, s->ldb, s->k, j0, j1, s->c, s->accumulate);
    }
}

static void run_vector(vec_split *s, int threads) {
    ptrdiff_t tasks = 1;
    if (threads > 1 && (double)s->n * (double)s->k >= 1e5) tasks = 4 * threads;
    s->chunk = ((s->n + tasks - 1) / tasks + 15) / 16 * 16;
    tasks = (s->n + s->chunk - 1) / s->chunk;
    ek_parallel_for_threads(tasks, threads, vec_task, s);
}

void ek_sgemm(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda, int transpose_a,
              const float *b, ptrdiff_t ldb, int transpose_b, float *c, ptrdiff_t ldc, int accumulate) {
    ek_sgemm_with(NULL, m, n, k, a, lda, transpose_a, b, ldb, transpose_b, c, ldc, accumulate);
}

void ek_sgemm_with(const ek_config *config, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda,
                   int transpose_a, const float *b, ptrdiff_t ldb, int transpose_b, float *c, ptrdiff_t ldc,
                   int accumulate) {
    ek_sgemm_packed(config, m, n, k, a, lda, transpose_a, NULL, b, ldb, transpose_b, NULL, c, ldc, accumulate);
}

void ek_sgemm_packed(const ek_config *config, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda,
                     int transpose_a, const ek_packed *pa, const float *b, ptrdiff_t ldb, int transpose_b,
                     const ek_packed *pb, float *c, ptrdiff_t ldc, int accumulate) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        if (!accumulate)
            for (ptrdiff_t i = 0; i < m; i++) memset(c + i * ldc, 0, (size_t)n * sizeof(float));
        return;
    }
    const resolved r = resolve(config);
    if (m == 1) {
        vec_split s = {r.v, a, b, transpose_a ? lda : 1, ldb, k, n, 0, c, 1, accumulate, transpose_b};
        run_vector(&s, r.threads);
        return;
    }
    if (n == 1 && !transpose_a) {
        vec_split s = {r.v, b, a, transpose_b ? 1 : ldb, lda, k, m, 0, c, ldc, accumulate, 1};
        run_vector(&s, r.threads);
        return;
    }
    ek_gemm_job j = {m, n, k, a, lda, transpose_a, b, ldb, transpose_b, NULL, c, ldc, accumulate, 0, 0, 0, NULL, {EK_ACT_NONE, 0, 0}};
    j.packed_a = packed_panels(pa, &r, 0, m, k, 0, &j.packed_a_pad);
    j.packed_b = packed_panels(pb, &r, 1, n, k, 0, &j.packed_b_pad);
    run_blocked(&r, &j);
}

// MARK: convolution

typedef struct {
    const ek_variant *v;
    const ek_conv2d_geometry *g;
    const float *input, *weight, *bias;
    const ek_activation *act;
    float *output;
    unsigned long call;
} dw_split;

static _Atomic unsigned long conv_calls = 1;

static void dw_task(void *ctx, ptrdiff_t t) {
    const dw_split *s = ctx;
    const ek_conv2d_geometry *g = s->g;
    const ptrdiff_t img = t / g->c, ch = t - img * g->c, mult = g->oc / g->c, taps = g->kh * g->kw;
    s->v->depthwise_channel(g, s->input + (img * g->c + ch) * g->h * g->w, s->weight + ch * mult * taps,
                            s->bias ? s->bias + ch * mult : NULL, s->act, mult,
                            s->output + (img * g->oc + ch * mult) * g->oh * g->ow, s->call);
}

void ek_conv2d(const ek_conv2d_geometry *g, const float *input, const float *weight, const float *bias,
               float *output) {
    ek_conv2d_with(NULL, g, input, weight, bias, output);
}

void ek_conv2d_with(const ek_config *config, const ek_conv2d_geometry *g, const float *input, const float *weight,
                    const float *bias, float *output) {
    ek_conv2d_act(config, g, input, weight, bias, NULL, output);
}

void ek_conv2d_act(const ek_config *config, const ek_conv2d_geometry *g, const float *input, const float *weight,
                   const float *bias, const ek_activation *act, float *output) {
    ek_conv2d_packed(config, g, input, weight, NULL, bias, act, output);
}

static ptrdiff_t round_up(ptrdiff_t x, ptrdiff_t to) { return (x + to - 1) / to * to; }

/// Whether a convolution runs as the transposed GEMM (gemm_t_range): the variant has it, one
/// group, and its tiles cover [spatial × oc] at least 1.2× more densely than the normal ones cover
/// [oc × spatial] (small planes such as 7×7, which 32-column tiles pad by 30%; measured on the
/// zoo models, the transposed form loses wherever the padding is similar). A function of the
/// geometry, the variant and conv_form only (never of the thread count), and both forms give
/// identical results.
static int conv_transposed(const resolved *r, const ek_conv2d_geometry *g) {
    const ek_variant *v = r->v;
    if (!v->gemm_t_range || g->groups != 1 || r->conv_form == 1) return 0;
    if (r->conv_form == 2) return 1;
    const double m = (double)g->oc, n = (double)(g->oh * g->ow);
    const double normal = m / (double)round_up(g->oc, v->mr) * n / (double)round_up(g->oh * g->ow, v->nr);
    const double t = n / (double)round_up(g->oh * g->ow, v->mr_t) * m / (double)round_up(g->oc, v->nr_t);
    return t > 1.2 * normal;
}

ek_packed *ek_pack_conv2d_weight(const ek_config *config, const ek_conv2d_geometry *g, const float *weight) {
    const ptrdiff_t cg = g->c / g->groups, ocg = g->oc / g->groups, kdim = cg * g->kh * g->kw;
    if (cg == 1) return NULL;
    const resolved r = resolve(config);
    if (conv_transposed(&r, g)) {
        ek_packed *p = packed_new(&r, 2, g->oc, kdim, 1);
        if (!p) return NULL;
        ek_gemm_job j = {.n = g->oc, .k = kdim, .b = weight, .ldb = kdim, .trans_b = 1};
        pack_all(p, &j, p->data);
        return p;
    }
    ek_packed *p = packed_new(&r, 0, ocg, kdim, g->groups);
    if (!p) return NULL;
    for (ptrdiff_t grp = 0; grp < g->groups; grp++) {
        ek_gemm_job j = {.m = ocg, .k = kdim, .a = weight + grp * ocg * kdim, .lda = kdim};
        pack_all(p, &j, p->data + grp * p->pad * kdim);
    }
    return p;
}

typedef struct {
    const ek_variant *v;
    const ek_gemm_job *job;
    float *output;
    ptrdiff_t spatial;
    int by_cols;       // tasks of output-channel tiles (every spatial row), else of spatial panels
    ptrdiff_t chunk;   // panels or tiles per task
} conv_t_split;

/// One task of the transposed form: its block of C' into per-thread scratch, then transposed
/// into the NCHW output.
static void conv_t_task(void *ctx, ptrdiff_t t) {
    const conv_t_split *s = ctx;
    ek_gemm_job j = *s->job;
    ptrdiff_t s0 = 0, s1 = s->spatial, n0 = 0, n1 = j.n;
    if (s->by_cols) {
        n0 = t * s->chunk * s->v->nr_t;
        n1 = n0 + s->chunk * s->v->nr_t < j.n ? n0 + s->chunk * s->v->nr_t : j.n;
    } else {
        s0 = t * s->chunk * s->v->mr_t;
        s1 = s0 + s->chunk * s->v->mr_t < s->spatial ? s0 + s->chunk * s->v->mr_t : s->spatial;
    }
    j.c = ek_scratch(1, (size_t)((s1 - s0) * j.ldc));
    s->v->gemm_t_range(&j, s0, s1, n0, n1);
    // Transposed in 16×16 blocks: whole cache lines read and written.
    enum { B = 16 };
    for (ptrdiff_t q0 = s0; q0 < s1; q0 += B) {
        const ptrdiff_t q1 = q0 + B < s1 ? q0 + B : s1;
        for (ptrdiff_t o0 = n0; o0 < n1; o0 += B) {
            const ptrdiff_t o1 = o0 + B < n1 ? o0 + B : n1;
            for (ptrdiff_t o = o0; o < o1; o++) {
                float *dst = s->output + o * s->spatial;
                const float *src = j.c + o;
                for (ptrdiff_t q = q0; q < q1; q++) dst[q] = src[(q - s0) * j.ldc];
            }
        }
    }
}

static void run_transposed(const resolved *r, const ek_conv2d_geometry *g, const float *input, const float *wt, ptrdiff_t pad,
                           const float *bias, const ek_activation *act, float *output) {
    const ek_variant *v = r->v;
    const ptrdiff_t plane = g->h * g->w, spatial = g->oh * g->ow, kdim = g->c * g->kh * g->kw;
    const ek_activation none = {EK_ACT_NONE, 0, 0};
    const ptrdiff_t panels = (spatial + v->mr_t - 1) / v->mr_t, tiles = (g->oc + v->nr_t - 1) / v->nr_t;
    const double flops = 2.0 * (double)g->oc * (double)spatial * (double)kdim;
    const int threads = r->threads <= 1 || flops < 2e5 ? 1 : r->threads;
    // Few spatial panels (a 7×7 plane has 7): split the output channels in one task per thread,
    // each packing im2colᵀ once and reading its share of Wᵀ; splitting the rows instead would
    // make every task read all of Wᵀ (megabytes in late layers).
    conv_t_split s = {v, NULL, NULL, spatial, threads > 1 && panels < 4 * threads && tiles >= threads, 1};
    ptrdiff_t units = s.by_cols ? tiles : panels, tasks = s.by_cols ? threads : 4 * threads;
    if (threads <= 1) tasks = 1;
    if (tasks > units) tasks = units;
    s.chunk = (units + tasks - 1) / tasks;
    tasks = (units + s.chunk - 1) / s.chunk;
    for (ptrdiff_t img = 0; img < g->n; img++) {
        ek_gemm_job j = {spatial, g->oc, kdim, NULL, 0, 0, input + img * g->c * plane, plane, 0, g, NULL, pad, 0,
                         v->mc_t, r->kc, 0, bias, act ? *act : none};
        j.packed_b = wt;
        j.packed_b_pad = pad;
        s.job = &j;
        s.output = output + img * g->oc * spatial;
        ek_parallel_for_threads(tasks, r->threads, conv_t_task, &s);
    }
}

void ek_conv2d_packed(const ek_config *config, const ek_conv2d_geometry *g, const float *input, const float *weight,
                      const ek_packed *pw, const float *bias, const ek_activation *act, float *output) {
    const resolved r = resolve(config);
    if (g->groups == 1 && g->c > 1 && conv_transposed(&r, g)) {
        ptrdiff_t pad = 0;
        const float *wt = packed_panels(pw, &r, 2, g->oc, g->c * g->kh * g->kw, 0, &pad);
        if (wt) {
            run_transposed(&r, g, input, wt, pad, bias, act && act->kind == EK_ACT_NONE ? NULL : act, output);
            return;
        }
    }
    if (act && act->kind == EK_ACT_NONE) act = NULL;
    const ek_activation none = {EK_ACT_NONE, 0, 0};
    const ptrdiff_t cg = g->c / g->groups, ocg = g->oc / g->groups;
    const ptrdiff_t plane = g->h * g->w, spatial = g->oh * g->ow, kdim = cg * g->kh * g->kw;
    if (cg == 1) {
        dw_split s = {r.v, g, input, weight, bias, act, output, atomic_fetch_add(&conv_calls, 1)};
        ek_parallel_for_threads(g->n * g->c, r.threads, dw_task, &s);
        return;
    }
    const int pointwise = g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->pt == 0 && g->pl == 0 &&
                          g->oh == g->h && g->ow == g->w;
    for (ptrdiff_t img = 0; img < g->n; img++) {
        for (ptrdiff_t grp = 0; grp < g->groups; grp++) {
            const float *src = input + (img * g->c + grp * cg) * plane;
            float *dst = output + (img * g->oc + grp * ocg) * spatial;
            // The bias is added where the first depth block is stored (bias + Σ, as when C starts
            // as the bias), the activation where the last one is.
            ek_gemm_job j = {ocg, spatial, kdim, weight + grp * ocg * kdim, kdim, 0, src, plane, 0,
                             pointwise ? NULL : g, dst, spatial, 0, 0, 0, 0,
                             bias ? bias + grp * ocg : NULL, act ? *act : none};
            j.packed_a = packed_panels(pw, &r, 0, ocg, kdim, grp, &j.packed_a_pad);
            run_blocked(&r, &j);
        }
    }
}

// MARK: elementwise functions

typedef struct {
    const ek_variant *v;
    int op;
    const float *x;
    float *y;
    ptrdiff_t n, chunk;
} unary_split;

static void unary_task(void *ctx, ptrdiff_t t) {
    const unary_split *s = ctx;
    ptrdiff_t i0 = t * s->chunk, len = s->n - i0 < s->chunk ? s->n - i0 : s->chunk;
    s->v->unary(s->op, s->x + i0, s->y + i0, len);
}

void ek_unary_f32(int op, const float *x, float *y, ptrdiff_t n) { ek_unary_f32_with(NULL, op, x, y, n); }

void ek_unary_f32_with(const ek_config *config, int op, const float *x, float *y, ptrdiff_t n) {
    if (n <= 0 || op < 0 || op >= EK_UNARY_COUNT) return;
    const resolved r = resolve(config);
    unary_split s = {r.v, op, x, y, n, 16384};
    ptrdiff_t tasks = (n + s.chunk - 1) / s.chunk;
    if (r.threads <= 1 || tasks < 2) {
        r.v->unary(op, x, y, n);
        return;
    }
    ek_parallel_for_threads(tasks, r.threads, unary_task, &s);
}
