/* The GEMM plan: which path (the small gemm or cblas_dgemm) each product of
 * a training step takes. The layer loop's gemm (net/layers.inc) follows the plan; a product that no
 * plan covers follows the path's rule (small_by_rule); nn__net_plan_gemms
 * makes a plan for a fit's row counts, under NN_GEMM_PATH_AUTO by timing
 * both paths on each shape (the calibration, below). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "net/net_internal.h"

nn_status nn_net_set_gemm_path(nn_net *net, nn_gemm_path path)
{
    if (!net)
        return nn__fail(NN_EINVAL, "nn_net_set_gemm_path: net is NULL");
    if (!nn_gemm_path_name(path))
        return nn__fail(NN_EINVAL, "nn_net_set_gemm_path: unknown path %d", (int)path);
    net->gemm_path = (int)path;
    memset(&net->gemm_plan, 0, sizeof net->gemm_plan);
    return NN_OK;
}

nn_gemm_path nn_net_gemm_path(const nn_net *net)
{
    return net ? (nn_gemm_path)net->gemm_path : NN_GEMM_PATH_AUTO;
}

nn_status nn_net_gemm_plan_info(const nn_net *net, nn_gemm_plan_info *out)
{
    if (!net || !out)
        return nn__fail(NN_EINVAL, "nn_net_gemm_plan_info: %s is NULL", net ? "out" : "net");
    const nn__gemm_plan *p = &net->gemm_plan;
    out->n_small = p->n_small;
    out->n_blas = p->n_blas;
    out->n_timed = p->n_timed;
    out->seconds = p->seconds;
    return NN_OK;
}

/* Whether an m x n x k product is small enough for the small gemm at all
 * (limit) or by the fixed rule (NN__SMALL_GEMM_MAX); m*n is tested first so
 * that m*n*k cannot overflow. */
static int within(size_t m, size_t n, size_t k, size_t limit)
{
    return m * n <= limit && m * n * k <= limit;
}

/* The path of a product that no plan covers. */
static int small_by_rule(const nn_net *net, size_t m, size_t n, size_t k)
{
    switch ((nn_gemm_path)net->gemm_path) {
    case NN_GEMM_PATH_SMALL:
        return within(m, n, k, NN__GEMM_SMALL_LIMIT);
    case NN_GEMM_PATH_BLAS:
        return 0;
    case NN_GEMM_PATH_AUTO:
        break;
    }
    /* The portable small gemm does not beat OpenBLAS's own SIMD code on
     * most shapes; only a measured plan sends products there. */
    nn__gemm_tiles tiles = net->spec.dtype == NN_F32 ? net->k_f32->tiles : net->k->tiles;
    return tiles != NN__TILES_PORTABLE && within(m, n, k, NN__SMALL_GEMM_MAX);
}

int nn__net_gemm_by_rule(const nn_net *net, size_t l, int q, size_t n)
{
    nn__gemm_shape sh = nn__net_gemm_shape(net, l, q, n);
    return small_by_rule(net, sh.m, sh.n, sh.k);
}

/* ---- calibration ------------------------------------------------------------ */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return 1e9 * (double)ts.tv_sec + (double)ts.tv_nsec;
}

/* One product of the plan being made. */
typedef struct plan_item {
    nn__gemm_shape s;
    size_t slot, l;
    int q;
    int known;    /* decided by an earlier plan that had this row count */
    int small;    /* the decision */
    int timed;    /* decided by timing, now */
    size_t first; /* the first item with the same shape (itself if none) */
    /* Timing (candidates only): operands in the net's own buffers, and the
     * fastest call of each path in ns, index 0 cblas_dgemm, 1 small gemm. */
    const void *a, *b; /* of the net's element type */
    void *c;
    size_t lda, ldb, ldc;
    double best[2];
} plan_item;

static int same_shape(nn__gemm_shape a, nn__gemm_shape b)
{
    return a.ta == b.ta && a.tb == b.tb && a.m == b.m && a.n == b.n && a.k == b.k;
}

/* Point x's operands at the buffers its product uses in a step, or stand-ins
 * of the same shape and stride: the scaled-input workspace for the input
 * rows, an activation for dZ. The outputs (an activation, a pre-activation,
 * a backward buffer, the weight gradient) are overwritten, which a step
 * does anyway. Needs rows <= cap. */
static void item_operands(const nn_net *net, plan_item *x)
{
    size_t l = x->l;
    const nn__ws *ws = &net->ws;
    /* The views of the net's dtype; the other dtype's are empty (ld 0). */
    const int f32 = net->spec.dtype == NN_F32;
    const void *prev = f32 ? (l ? (const void *)ws->act_f32[l - 1].data : ws->x_f32.data)
                           : (l ? (const void *)ws->act[l - 1].data : ws->x.data);
    size_t ldprev = l ? ws->act[l - 1].ld + ws->act_f32[l - 1].ld : ws->x.ld + ws->x_f32.ld;
    void *z = f32 ? (void *)(ws->pre_f32[l].data ? ws->pre_f32[l].data : ws->act_f32[l].data)
                  : (void *)(ws->pre[l].data ? ws->pre[l].data : ws->act[l].data);
    size_t ldz = net->units[l + 1], ldw = net->units[l + 1];
    const void *w = f32 ? (const void *)net->W_f32[l].data : net->W[l].data;
    void *act = f32 ? (void *)ws->act_f32[l].data : ws->act[l].data;
    if (x->q == NN__GEMM_FWD) {
        x->a = prev, x->lda = ldprev;
        x->b = w, x->ldb = ldw;
        x->c = z, x->ldc = ldz;
    } else if (x->q == NN__GEMM_DW) {
        x->a = prev, x->lda = ldprev;
        x->b = act, x->ldb = ldz;
        x->c = f32 ? (void *)net->dW_f32[l].data : net->dW[l].data, x->ldc = ldw;
    } else {
        x->a = act, x->lda = ldz;
        x->b = w, x->ldb = ldw;
        x->c = f32 ? (void *)ws->delta_f32[l & 1] : ws->delta[l & 1], x->ldc = net->units[l];
    }
}

/* Time one call of x on one path (1 = small gemm); keep the fastest. */
static double time_call(const nn_net *net, plan_item *x, int small)
{
    nn__gemm_shape s = x->s;
    double t0 = now_ns();
    const CBLAS_TRANSPOSE ta = s.ta ? CblasTrans : CblasNoTrans;
    const CBLAS_TRANSPOSE tb = s.tb ? CblasTrans : CblasNoTrans;
    if (net->spec.dtype == NN_F32 && small)
        net->gemm_small_f32(s.ta, s.tb, s.m, s.n, s.k, x->a, x->lda, x->b, x->ldb, x->c, x->ldc,
                            net->ws.scratch_f32);
    else if (net->spec.dtype == NN_F32)
        cblas_sgemm(CblasRowMajor, ta, tb, (int)s.m, (int)s.n, (int)s.k, 1.0f, x->a,
                    (int)x->lda, x->b, (int)x->ldb, 0.0f, x->c, (int)x->ldc);
    else if (small)
        net->gemm_small(s.ta, s.tb, s.m, s.n, s.k, x->a, x->lda, x->b, x->ldb, x->c, x->ldc,
                        net->ws.scratch);
    else
        cblas_dgemm(CblasRowMajor, ta, tb, (int)s.m, (int)s.n, (int)s.k, 1.0, x->a,
                    (int)x->lda, x->b, (int)x->ldb, 0.0, x->c, (int)x->ldc);
    double t = now_ns() - t0;
    x->best[small] = t < x->best[small] ? t : x->best[small];
    return t;
}

/* The small gemm unless cblas_dgemm was faster by more than 5 %: the margin
 * keeps the choice from flipping with timing noise on near-ties. */
static void decide_timed(plan_item *x)
{
    x->small = !(x->best[0] < 0.95 * x->best[1]);
    x->timed = 1;
}

static size_t mnk(nn__gemm_shape s)
{
    return s.m * s.n * s.k;
}

static int cmp_by_size(const void *x, const void *y)
{
    const plan_item *a = *(const plan_item *const *)x, *b = *(const plan_item *const *)y;
    return mnk(a->s) < mnk(b->s) ? -1 : mnk(a->s) > mnk(b->s);
}

/* Products of at most this many multiply-adds are timed in context, larger
 * ones on their own. */
#define NN__GEMM_CTX_MNK ((size_t)1 << 15)

/* Time the candidates (distinct shapes within the small gemm's limit, cand
 * sorted smallest first, operands set) and decide each one timed; the
 * others keep the rule. Before deadline (CLOCK_MONOTONIC ns):
 * 1. The small ones in context, in step order (the items' order): rounds
 *    that call each once, alternating the path from shape to shape and
 *    round to round, every call timed; two warm-up rounds, then up to 16
 *    (at least 4) as the budget allows. Back-to-back calls of one shape
 *    flatter cblas_dgemm, whose set-up is cheap while its code and branch
 *    history stay hot; between other products, as in a training step, it
 *    costs more, so the small products are timed between each other.
 * 2. The larger ones on their own, smallest first: a warm-up call of each
 *    path, then 3 calls of each, alternating, while a generous estimate
 *    (~1 ns per multiply-add) and then the warm-up times fit.
 * A path's time is its fastest call, the one least disturbed by the
 * machine's other work. */
static void time_candidates(const nn_net *net, plan_item **cand, size_t n_cand, double deadline)
{
    size_t n_ctx = 0;
    while (n_ctx < n_cand && mnk(cand[n_ctx]->s) <= NN__GEMM_CTX_MNK)
        n_ctx++;
    /* Step order: items were made in it, so their addresses are in it. */
    for (size_t i = 1; i < n_ctx; i++)
        for (size_t j = i; j > 0 && cand[j - 1] > cand[j]; j--) {
            plan_item *t = cand[j];
            cand[j] = cand[j - 1];
            cand[j - 1] = t;
        }
    double round = 0;
    for (int r = 0; r < 2; r++)
        for (size_t i = 0; i < n_ctx; i++)
            round += 0.5 * time_call(net, cand[i], (int)(((size_t)r + i) & 1));
    int rounds = 16;
    while (rounds > 4 && now_ns() + rounds * round > deadline)
        rounds /= 2;
    /* More rounds when the budget allows; else the two probe rounds are
     * the measurement (a very slow machine, or valgrind, still decides the
     * small products by timing them). */
    if (n_ctx && now_ns() + rounds * round <= deadline) {
        for (size_t i = 0; i < n_ctx; i++)
            cand[i]->best[0] = cand[i]->best[1] = INFINITY;
        for (int r = 0; r < rounds; r++)
            for (size_t i = 0; i < n_ctx; i++)
                time_call(net, cand[i], (int)(((size_t)r + i) & 1));
    }
    for (size_t i = 0; i < n_ctx; i++)
        decide_timed(cand[i]);
    for (size_t i = n_ctx; i < n_cand; i++) {
        plan_item *x = cand[i];
        if (now_ns() + 2.0 * ((double)mnk(x->s) + 500.0) > deadline)
            break;
        double once = time_call(net, x, 1) + time_call(net, x, 0);
        if (now_ns() + 3.0 * once > deadline)
            break;
        x->best[0] = x->best[1] = INFINITY;
        for (int r = 0; r < 3; r++) {
            time_call(net, x, 1);
            time_call(net, x, 0);
        }
        decide_timed(x);
    }
}

/* Fill the workspace that stands in for inputs (scaled inputs and the
 * activations, n rows) with ordinary numbers: left-over subnormals or
 * zeros could time differently. */
static void fill_inputs(nn_net *net, size_t n)
{
    for (size_t l = 0; l <= net->n_layers; l++) {
        nn_mat m = l ? net->ws.act[l - 1] : net->ws.x;
        nn_matf f = l ? net->ws.act_f32[l - 1] : net->ws.x_f32;
        for (size_t i = 0; m.data && i < n * m.ld; i++)
            m.data[i] = 0.25 * (double)(i & 7) - 0.75;
        for (size_t i = 0; f.data && i < n * f.ld; i++)
            f.data[i] = 0.25f * (float)(i & 7) - 0.75f;
    }
}

/* Decide every item that is the first of its shape and not known: by the
 * rule, then under auto by timing (time_candidates) within
 * NN__GEMM_CALIB_BUDGET_NS, on the net's own buffers (rows <= cap). Then
 * every later item of a shape takes its first item's decision. */
static void decide_items(nn_net *net, plan_item *it, size_t n_items)
{
    const double deadline = now_ns() + NN__GEMM_CALIB_BUDGET_NS;
    size_t n_cand = 0, max_rows = 0;
    plan_item **cand = NULL;
    if (net->gemm_path == NN_GEMM_PATH_AUTO)
        cand = malloc((n_items ? n_items : 1) * sizeof *cand);
    for (size_t i = 0; i < n_items; i++) {
        nn__gemm_shape s = it[i].s;
        if (it[i].first != i || it[i].known)
            continue;
        it[i].small = small_by_rule(net, s.m, s.n, s.k);
        size_t rows = net->gemm_plan.rows[it[i].slot];
        if (cand && rows <= net->ws.cap && within(s.m, s.n, s.k, NN__GEMM_SMALL_LIMIT)) {
            item_operands(net, &it[i]);
            it[i].best[0] = it[i].best[1] = INFINITY;
            cand[n_cand++] = &it[i];
            max_rows = rows > max_rows ? rows : max_rows;
        }
    }
    if (n_cand) {
        fill_inputs(net, max_rows);
        qsort(cand, n_cand, sizeof *cand, cmp_by_size);
        time_candidates(net, cand, n_cand, deadline);
    }
    free(cand);
    for (size_t i = 0; i < n_items; i++)
        if (it[i].first != i && !it[i].known)
            it[i].small = it[it[i].first].small;
}

void nn__net_plan_gemms(nn_net *net, const size_t *rows, size_t n_rows)
{
    double t0 = now_ns();
    const nn__gemm_plan old = net->gemm_plan;
    nn__gemm_plan *p = &net->gemm_plan;
    memset(p, 0, sizeof *p);
    size_t n_slots = 0;
    for (size_t i = 0; i < n_rows && n_slots < NN__GEMM_PLAN_ROWS; i++) {
        int seen = rows[i] == 0;
        for (size_t s = 0; s < n_slots; s++)
            seen |= p->rows[s] == rows[i];
        if (!seen)
            p->rows[n_slots++] = rows[i];
    }
    /* Every product of a step for each row count, in step order (forward
     * layer by layer, then backward from the last layer, dW before dA, no
     * dA for the first layer): those of row counts the old plan had first
     * (they keep its decisions, so that a refit does not re-time), then the
     * new ones, which reuse the decision of any earlier product of the same
     * shape. */
    const size_t L = net->n_layers, per_slot = 3 * L - 1;
    plan_item *it = malloc(NN__GEMM_PLAN_ROWS * per_slot * sizeof *it);
    size_t n_items = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t s = 0; s < n_slots; s++) {
            size_t o = 0;
            while (o < NN__GEMM_PLAN_ROWS && old.rows[o] != p->rows[s])
                o++;
            const int known = o < NN__GEMM_PLAN_ROWS;
            if (known != (pass == 0))
                continue;
            for (size_t j = 0; j < per_slot; j++) {
                size_t l = j < L ? j : L - 1 - (j - L) / 2;
                int q = j < L ? NN__GEMM_FWD : (j - L) % 2 == 0 ? NN__GEMM_DW : NN__GEMM_DA;
                nn__gemm_shape sh = nn__net_gemm_shape(net, l, q, p->rows[s]);
                unsigned char small = known ? old.small[o][l][q]
                                            : (unsigned char)small_by_rule(net, sh.m, sh.n, sh.k);
                if (!it) {
                    p->small[s][l][q] = small; /* no memory for the bookkeeping */
                    continue;
                }
                plan_item *x = &it[n_items];
                memset(x, 0, sizeof *x);
                x->s = sh;
                x->slot = s;
                x->l = l;
                x->q = q;
                x->known = known;
                x->small = small;
                x->first = n_items;
                for (size_t i = 0; i < n_items; i++)
                    if (same_shape(it[i].s, sh)) {
                        x->first = i;
                        break;
                    }
                n_items++;
            }
        }
    if (it) {
        decide_items(net, it, n_items);
        for (size_t i = 0; i < n_items; i++) {
            p->small[it[i].slot][it[i].l][it[i].q] = (unsigned char)it[i].small;
            if (it[i].first == i) {
                p->n_small += it[i].small != 0;
                p->n_blas += it[i].small == 0;
                p->n_timed += it[i].timed;
            }
        }
        free(it);
    }
    p->seconds = (now_ns() - t0) * 1e-9;
}
