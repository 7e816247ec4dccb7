/*
 * The native backend's fixed-partition parallel runner (lib/backend/native/parallel.ts; docs/speed.md,
 * "Products on every thread, same bits"). It runs a list of independent tasks, each a record of
 * KIT_TASK_SLOTS 64-bit slots, on up to `threads` threads (the caller's and a pool's), each task on one thread. The list
 * is fixed by the caller from shapes alone, and each task writes only its own part of the output, so
 * which thread runs which task, and how many threads there are, never changes a bit: the caller's
 * sequential path (one task after another on the JS thread) gives the same result.
 *
 * Built by scripts/build_native.sh (gcc -pthread); loaded through Deno's FFI. It calls OpenBLAS's
 * cblas_sgemm, looked up in the library the kit already loaded (dlopen of the same path).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

/* Bumped whenever the task layout or the entry points change; parallel.ts checks it. */
#define KIT_PARALLEL_VERSION 5
#define KIT_TASK_SLOTS 16

typedef void (*cblas_sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
static cblas_sgemm_fn sgemm_fn = 0;

int kit_parallel_version(void) { return KIT_PARALLEL_VERSION; }

/* Looks up cblas_sgemm in the OpenBLAS at `path` (already loaded by the kit). 0 on success. */
int kit_parallel_init(const char *openblas_path) {
  void *lib = dlopen(openblas_path, RTLD_NOW | RTLD_NOLOAD);
  if (!lib) lib = dlopen(openblas_path, RTLD_NOW);
  if (!lib) return 1;
  sgemm_fn = (cblas_sgemm_fn)dlsym(lib, "cblas_sgemm");
  return sgemm_fn ? 0 : 2;
}

static float f32_of(int64_t slot) {
  float f;
  int32_t bits = (int32_t)slot;
  memcpy(&f, &bits, sizeof f);
  return f;
}

/*
 * Task kind 0, sgemm (row-major, alpha 1): slots transA, transB (cblas enums), m, n, k, a, lda, b,
 * ldb, beta (float bits), c, ldc.
 */
static void run_sgemm(const int64_t *s) {
  const float beta = f32_of(s[9]);
  sgemm_fn(101, (int)s[0], (int)s[1], (int)s[2], (int)s[3], (int)s[4], 1.0f, (const float *)(intptr_t)s[5], (int)s[6],
           (const float *)(intptr_t)s[7], (int)s[8], beta, (float *)(intptr_t)s[10], (int)s[11]);
}

/*
 * Task kind 1, one variable's SGD update with momentum, weight decay and a gradient scale, in the
 * order of operations of lib/train.ts's Sgd on tfjs ops (each one rounded to float32; built with
 * -ffp-contract=off, so no fused multiply-add): g' = g·scale (flag 1), g' += w·decay (flag 2),
 * v' = momentum·v + g', w' = (−lr)·v' + w. Slots: n, w, g, v, w', v', −lr, momentum, decay, scale
 * (float bits), flags. Element-wise: any split of the variables gives the same bits.
 */
static void run_sgd(const int64_t *s) {
  const int64_t n = s[0];
  const float *w = (const float *)(intptr_t)s[1], *g = (const float *)(intptr_t)s[2], *v = (const float *)(intptr_t)s[3];
  float *w_out = (float *)(intptr_t)s[4], *v_out = (float *)(intptr_t)s[5];
  const float neg_lr = f32_of(s[6]), momentum = f32_of(s[7]), decay = f32_of(s[8]), scale = f32_of(s[9]);
  const int scaled = (int)(s[10] & 1), decayed = (int)(s[10] & 2);
  for (int64_t i = 0; i < n; i++) {
    float gi = g[i];
    if (scaled) gi = gi * scale;
    if (decayed) gi = gi + w[i] * decay;
    const float vi = momentum * v[i] + gi;
    v_out[i] = vi;
    w_out[i] = neg_lr * vi + w[i];
  }
}

/*
 * Task kind 2, one variable's sum of squares: slots n, g, out (a double). Each square is rounded to
 * float32 (as tfjs's Square) and added in double to partial sum i mod 8, in order of i; the eight
 * partials are combined as ((p0+p1)+(p2+p3))+((p4+p5)+(p6+p7)). sgd.ts's TS loop does the same.
 */
static void run_sumsq(const int64_t *s) {
  const int64_t n = s[0];
  const float *g = (const float *)(intptr_t)s[1];
  double p[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; j++) {
      const float sq = g[i + j] * g[i + j];
      p[j] += (double)sq;
    }
  }
  for (; i < n; i++) {
    const float sq = g[i] * g[i];
    p[i & 7] += (double)sq;
  }
  *(double *)(intptr_t)s[2] = ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
}

typedef void (*task_fn)(const int64_t *);
static const task_fn kinds[] = {run_sgemm, run_sgd, run_sumsq};

/*
 * The pool: threads - 1 workers (POSIX threads, made on first use, asleep on a condition variable
 * between jobs) and the calling thread. A job's tasks are claimed one at a time through one atomic
 * word holding the job's generation and the next task's index, so a worker that wakes late (its core
 * taken by another process) finds nothing left to claim and goes back to sleep: the caller computes
 * what no one else claimed, and waits only for tasks another thread has claimed and is still running,
 * never for a thread that has not started. (An OpenMP loop would wait at its closing barrier for every
 * thread of the team, scheduled or not.)
 */
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_wake = PTHREAD_COND_INITIALIZER;
static int pool_workers = 0;
static uint32_t job_generation = 0; /* under pool_mu */
static int job_kind, job_count;     /* under pool_mu */
static const int64_t *job_tasks;    /* under pool_mu */
static _Atomic uint64_t job_claim;  /* generation << 32 | next task */
static _Atomic int job_done;
/* Set while a job owns the pool; a second caller (another JS thread) runs its tasks itself (same bits). */
static atomic_flag pool_busy = ATOMIC_FLAG_INIT;

/* Claims and runs tasks of generation `gen` until none is left; returns how many it ran. */
static int run_claimed(uint32_t gen, int kind, const int64_t *tasks, int count) {
  int ran = 0;
  uint64_t claim = atomic_load(&job_claim);
  while ((uint32_t)(claim >> 32) == gen && (int)(claim & 0xffffffffu) < count) {
    if (!atomic_compare_exchange_weak(&job_claim, &claim, claim + 1)) continue;
    const int i = (int)(claim & 0xffffffffu);
    kinds[kind](tasks + (int64_t)i * KIT_TASK_SLOTS);
    atomic_fetch_add(&job_done, 1);
    ran++;
    claim = atomic_load(&job_claim);
  }
  return ran;
}

static void *worker(void *unused) {
  (void)unused;
  uint32_t seen = 0;
  for (;;) {
    pthread_mutex_lock(&pool_mu);
    while (job_generation == seen) pthread_cond_wait(&pool_wake, &pool_mu);
    seen = job_generation;
    const int kind = job_kind, count = job_count;
    const int64_t *tasks = job_tasks;
    pthread_mutex_unlock(&pool_mu);
    run_claimed(seen, kind, tasks, count);
  }
  return 0;
}

/* Runs `count` tasks of kind `kind` from `tasks` (count × KIT_TASK_SLOTS slots) on up to `threads`
 * threads, the caller's included. 0 on success. */
int kit_parallel_run(int kind, const int64_t *tasks, int count, int threads) {
  if (kind < 0 || kind >= (int)(sizeof kinds / sizeof kinds[0])) return 1;
  if (kind == 0 && !sgemm_fn) return 2;
  if (threads <= 1 || count <= 1 || atomic_flag_test_and_set(&pool_busy)) {
    for (int i = 0; i < count; i++) kinds[kind](tasks + (int64_t)i * KIT_TASK_SLOTS);
    return 0;
  }
  pthread_mutex_lock(&pool_mu);
  while (pool_workers < threads - 1) {
    pthread_t t;
    if (pthread_create(&t, 0, worker, 0) != 0) break;
    pthread_detach(t);
    pool_workers++;
  }
  const uint32_t gen = ++job_generation;
  job_kind = kind;
  job_count = count;
  job_tasks = tasks;
  atomic_store(&job_done, 0);
  atomic_store(&job_claim, (uint64_t)gen << 32);
  pthread_cond_broadcast(&pool_wake);
  pthread_mutex_unlock(&pool_mu);
  run_claimed(gen, kind, tasks, count);
  /* Every task is claimed; wait for those still running on other threads. */
  for (int spins = 0; atomic_load(&job_done) < count; spins++) {
    if (spins > 1000) sched_yield();
  }
  atomic_flag_clear(&pool_busy);
  return 0;
}
