/**
 * libsvm's C-SVC with an RBF kernel, ported operation for operation to TypeScript (svm.cpp 3.2x: class
 * Solver, SVC_Q, svm_train, svm_predict_values), to measure what the attacker's fit costs when the kernel is
 * computed differently. It is NOT what the attacker runs (lib/metrics/svm.ts runs libsvm-js), because it is not
 * the same bits: on every golden set (tests/bench/svm_smo_test.ts) and on 20 MIA fits of real models its
 * predictions equal libsvm-js's, on 1-d features its iteration counts equal Debian libsvm 3.24's
 * `svm-train`, and the coefficients at the bound C are equal, but a few free ones (1-42 of ~3,500 a fit) differ
 * in their last digits. That happens even for the correctness feature, whose kernel has a single non-trivial value
 * (exp(−1)), so the exponential is not the only cause (a port of fdlibm's exp changed nothing); where the
 * solver's arithmetic parts from libsvm-js's build was not found. docs/speed.md ("The MIA attacker's cost") has
 * the measurements.
 *
 * What follows libsvm exactly:
 * - classes in order of first appearance; the first is +1 inside the solver (svm_group_classes);
 * - the kernel in training: exp(−γ·(|x_i|² + |x_j|² − 2·x_i·x_j)) in double, each dot product summed in
 *   feature order, stored as float32 (`Qfloat`); the diagonal QD stays double; in prediction
 *   exp(−γ·Σ(x_k − s_k)²);
 * - the solver: second-order working-set selection (WSS 3), the two-variable update with its clipping,
 *   shrinking every min(l, 1000) iterations with the unshrink at 10·ε, gradient reconstruction, and ρ
 *   from the free variables (else the middle of the bounds); iterations capped at max(10⁷, 100·l).
 * What differs, without changing a value: the kernel cache. libsvm computes each kernel value through a
 * virtual call over sparse nodes into an LRU cache of columns in the solver's shuffled order; here rows
 * with equal features share one row (the 0/1 correctness feature has two), and K(a, b) = K(b, a) bit for bit
 * (|x_a|² + |x_b|² and the dot product's terms are the same in either order), so each value is computed once.
 */

const TAU = 1e-12;
const LOWER = 0, UPPER = 1, FREE = 2;

/** A fitted binary C-SVC: decision(x) = Σ coef_k·K(sv_k, x) − ρ; label `labels[0]` when it is > 0. */
export interface SmoModel {
  dim: number;
  gamma: number;
  /** Support vectors, flat (nSv × dim), in libsvm's order (first class's, then the second's). */
  sv: Float64Array;
  coef: Float64Array;
  rho: number;
  labels: [number, number];
  /** Solver iterations (libsvm's `#iter`). */
  iterations: number;
  /** Kernel values computed in training (libsvm computes up to n² with its cache: one per column entry). */
  kernelValues: number;
}

/** Kernel rows by distinct training row, float32, computed on first use (see the module's comment). */
class KernelRows {
  private readonly sq: Float64Array;
  /** Each row's distinct-feature id, and the first row holding each id. */
  readonly id: Int32Array;
  private readonly firstOf: Int32Array;
  private readonly u: number;
  /** The distinct rows' kernel matrix (u × u) where it fits the cache, filled row by row and mirrored. */
  private readonly matrix: Float32Array | undefined;
  private readonly done: Uint8Array;
  /** Otherwise: rows over the distinct ids, the oldest dropped first. */
  private readonly rows: (Float32Array | undefined)[];
  private order: number[] = [];
  /** Exponentials evaluated (for the bench). */
  exps = 0;
  constructor(private x: Float64Array, n: number, private dim: number, private gamma: number, cacheBytes: number) {
    this.sq = Float64Array.from({ length: n }, (_, i) => this.dot(i, i));
    const seen = new Map<string | number, number>();
    const first: number[] = [];
    this.id = Int32Array.from({ length: n }, (_, i) => {
      const key = dim === 1 ? x[i] : Array.from(x.subarray(i * dim, (i + 1) * dim)).join(",");
      let k = seen.get(key);
      if (k === undefined) seen.set(key, k = first.push(i) - 1);
      return k;
    });
    this.firstOf = Int32Array.from(first);
    const u = this.u = first.length;
    this.matrix = u * u * 4 <= cacheBytes ? new Float32Array(u * u) : undefined;
    this.done = new Uint8Array(u);
    this.rows = new Array(u);
    this.maxRows = Math.max(2, Math.floor(cacheBytes / (4 * u)));
  }
  private readonly maxRows: number;
  dot(a: number, b: number): number {
    const { x, dim } = this;
    let sum = 0;
    for (let k = 0; k < dim; k++) sum += x[a * dim + k] * x[b * dim + k];
    return sum;
  }
  /** K(a, b) in double, as libsvm's kernel_rbf. */
  value(a: number, b: number): number {
    return Math.exp(-this.gamma * (this.sq[a] + this.sq[b] - 2 * this.dot(a, b)));
  }
  /** The kernel row of training row `a` over the distinct ids (index it with `id[b]`), and its offset. */
  row(a: number): { data: Float32Array; offset: number } {
    const ia = this.id[a];
    const { matrix, u } = this;
    if (matrix) {
      if (!this.done[ia]) this.fillMirrored(ia);
      return { data: matrix, offset: ia * u };
    }
    let r = this.rows[ia];
    if (!r) {
      if (this.order.length >= this.maxRows) this.rows[this.order.shift()!] = undefined;
      r = new Float32Array(u);
      for (let k = 0; k < u; k++) r[k] = this.value(this.firstOf[ia], this.firstOf[k]);
      this.exps += u;
      this.rows[ia] = r;
      this.order.push(ia);
    }
    return { data: r, offset: 0 };
  }
  /** Row `ia` of the matrix: entries of rows already filled were mirrored into it; the rest computed and mirrored. */
  private fillMirrored(ia: number): void {
    const { matrix, u, firstOf, done, x, sq, gamma } = this;
    const m = matrix!;
    const rep = firstOf[ia], base = ia * u;
    const sa = sq[rep], xa = x[rep];
    for (let k = 0; k < u; k++) {
      if (done[k]) continue;
      const b = firstOf[k];
      const v = this.dim === 1 ? Math.exp(-gamma * (sa + sq[b] - 2 * (0 + xa * x[b]))) : this.value(rep, b);
      m[base + k] = v;
      m[k * u + ia] = v;
      this.exps++;
    }
    done[ia] = 1;
  }
}

/** libsvm's Solver (C-SVC: p = −1, alpha starts at 0, Cp = Cn = C). Returns alpha by solver row and ρ. */
class Solver {
  readonly l: number;
  activeSize: number;
  y: Int8Array;
  G: Float64Array;
  Gbar: Float64Array;
  alpha: Float64Array;
  status: Uint8Array;
  active: Int32Array;
  QD: Float64Array;
  unshrink = false;
  private bufI: Float32Array;
  private bufJ: Float32Array;
  constructor(private K: KernelRows, y: Int8Array, private C: number, private eps: number) {
    const l = y.length;
    this.l = l;
    this.activeSize = l;
    this.y = Int8Array.from(y);
    this.G = new Float64Array(l).fill(-1);
    this.Gbar = new Float64Array(l);
    this.alpha = new Float64Array(l);
    this.status = new Uint8Array(l).fill(LOWER);
    this.active = Int32Array.from({ length: l }, (_, i) => i);
    this.QD = Float64Array.from({ length: l }, (_, i) => K.value(i, i));
    this.bufI = new Float32Array(l);
    this.bufJ = new Float32Array(l);
  }

  /** Q column of solver position `pos` over positions [0, len), as libsvm's SVC_Q::get_Q. */
  getQ(pos: number, len: number, out: Float32Array): Float32Array {
    const { data, offset } = this.K.row(this.active[pos]);
    const { y, active } = this;
    const id = this.K.id;
    const yi = y[pos];
    for (let k = 0; k < len; k++) out[k] = yi * y[k] * data[offset + id[active[k]]];
    return out;
  }

  private updateStatus(i: number): void {
    const a = this.alpha[i];
    this.status[i] = a >= this.C ? UPPER : a <= 0 ? LOWER : FREE;
  }

  solve(shrinking: boolean): { alpha: Float64Array; rho: number; iterations: number } {
    const l = this.l;
    const maxIter = Math.max(10_000_000, l > Math.floor(2147483647 / 100) ? 2147483647 : 100 * l);
    let counter = Math.min(l, 1000) + 1;
    let iter = 0;
    while (iter < maxIter) {
      if (--counter === 0) {
        counter = Math.min(l, 1000);
        if (shrinking) this.doShrinking();
      }
      let pair = this.selectWorkingSet();
      if (pair === null) {
        this.reconstructGradient();
        this.activeSize = l;
        pair = this.selectWorkingSet();
        if (pair === null) break;
        counter = 1;
      }
      ++iter;
      this.step(pair[0], pair[1]);
    }
    if (iter >= maxIter && this.activeSize < l) {
      this.reconstructGradient();
      this.activeSize = l;
    }
    const rho = this.calculateRho();
    const alpha = new Float64Array(l);
    for (let i = 0; i < l; i++) alpha[this.active[i]] = this.alpha[i];
    return { alpha, rho, iterations: iter };
  }

  private step(i: number, j: number): void {
    const { alpha, G, y, QD, C } = this;
    const Qi = this.getQ(i, this.activeSize, this.bufI);
    const Qj = this.getQ(j, this.activeSize, this.bufJ);
    const oldI = alpha[i], oldJ = alpha[j];
    if (y[i] !== y[j]) {
      let quad = QD[i] + QD[j] + 2 * Qi[j];
      if (quad <= 0) quad = TAU;
      const delta = (-G[i] - G[j]) / quad;
      const diff = alpha[i] - alpha[j];
      alpha[i] += delta;
      alpha[j] += delta;
      if (diff > 0) {
        if (alpha[j] < 0) (alpha[j] = 0), (alpha[i] = diff);
      } else if (alpha[i] < 0) (alpha[i] = 0), (alpha[j] = -diff);
      if (diff > C - C) {
        if (alpha[i] > C) (alpha[i] = C), (alpha[j] = C - diff);
      } else if (alpha[j] > C) (alpha[j] = C), (alpha[i] = C + diff);
    } else {
      let quad = QD[i] + QD[j] - 2 * Qi[j];
      if (quad <= 0) quad = TAU;
      const delta = (G[i] - G[j]) / quad;
      const sum = alpha[i] + alpha[j];
      alpha[i] -= delta;
      alpha[j] += delta;
      if (sum > C) {
        if (alpha[i] > C) (alpha[i] = C), (alpha[j] = sum - C);
      } else if (alpha[j] < 0) (alpha[j] = 0), (alpha[i] = sum);
      if (sum > C) {
        if (alpha[j] > C) (alpha[j] = C), (alpha[i] = sum - C);
      } else if (alpha[i] < 0) (alpha[i] = 0), (alpha[j] = sum);
    }
    const dI = alpha[i] - oldI, dJ = alpha[j] - oldJ;
    for (let k = 0; k < this.activeSize; k++) G[k] += Qi[k] * dI + Qj[k] * dJ;
    const wasUpperI = this.status[i] === UPPER, wasUpperJ = this.status[j] === UPPER;
    this.updateStatus(i);
    this.updateStatus(j);
    if (wasUpperI !== (this.status[i] === UPPER)) this.moveGbar(i, wasUpperI ? -C : C);
    if (wasUpperJ !== (this.status[j] === UPPER)) this.moveGbar(j, wasUpperJ ? -C : C);
  }

  /** G_bar += c·Q_i over every row (libsvm: `G_bar[k] -= C_i * Q_i[k]` or `+=`). */
  private moveGbar(i: number, signedC: number): void {
    const Q = this.getQ(i, this.l, this.bufI);
    const { Gbar, l } = this;
    if (signedC < 0) {
      const c = -signedC;
      for (let k = 0; k < l; k++) Gbar[k] -= c * Q[k];
    } else {
      for (let k = 0; k < l; k++) Gbar[k] += signedC * Q[k];
    }
  }

  private selectWorkingSet(): [number, number] | null {
    const { y, G, status, QD, activeSize } = this;
    let Gmax = -Infinity, Gmax2 = -Infinity, GmaxIdx = -1, GminIdx = -1, objDiffMin = Infinity;
    for (let t = 0; t < activeSize; t++) {
      if (y[t] === 1) {
        if (status[t] !== UPPER && -G[t] >= Gmax) (Gmax = -G[t]), (GmaxIdx = t);
      } else if (status[t] !== LOWER && G[t] >= Gmax) (Gmax = G[t]), (GmaxIdx = t);
    }
    const i = GmaxIdx;
    const Qi = i !== -1 ? this.getQ(i, activeSize, this.bufI) : this.bufI;
    for (let j = 0; j < activeSize; j++) {
      let gradDiff: number, quad: number;
      if (y[j] === 1) {
        if (status[j] === LOWER) continue;
        gradDiff = Gmax + G[j];
        if (G[j] >= Gmax2) Gmax2 = G[j];
        if (!(gradDiff > 0)) continue;
        quad = QD[i] + QD[j] - 2.0 * y[i] * Qi[j];
      } else {
        if (status[j] === UPPER) continue;
        gradDiff = Gmax - G[j];
        if (-G[j] >= Gmax2) Gmax2 = -G[j];
        if (!(gradDiff > 0)) continue;
        quad = QD[i] + QD[j] + 2.0 * y[i] * Qi[j];
      }
      const objDiff = quad > 0 ? -(gradDiff * gradDiff) / quad : -(gradDiff * gradDiff) / TAU;
      if (objDiff <= objDiffMin) (GminIdx = j), (objDiffMin = objDiff);
    }
    if (Gmax + Gmax2 < this.eps || GminIdx === -1) return null;
    return [GmaxIdx, GminIdx];
  }

  private beShrunk(i: number, Gmax1: number, Gmax2: number): boolean {
    const { y, G, status } = this;
    if (status[i] === UPPER) return y[i] === 1 ? -G[i] > Gmax1 : -G[i] > Gmax2;
    if (status[i] === LOWER) return y[i] === 1 ? G[i] > Gmax2 : G[i] > Gmax1;
    return false;
  }

  private doShrinking(): void {
    const { y, G, status } = this;
    let Gmax1 = -Infinity, Gmax2 = -Infinity;
    for (let i = 0; i < this.activeSize; i++) {
      if (y[i] === 1) {
        if (status[i] !== UPPER && -G[i] >= Gmax1) Gmax1 = -G[i];
        if (status[i] !== LOWER && G[i] >= Gmax2) Gmax2 = G[i];
      } else {
        if (status[i] !== UPPER && -G[i] >= Gmax2) Gmax2 = -G[i];
        if (status[i] !== LOWER && G[i] >= Gmax1) Gmax1 = G[i];
      }
    }
    if (!this.unshrink && Gmax1 + Gmax2 <= this.eps * 10) {
      this.unshrink = true;
      this.reconstructGradient();
      this.activeSize = this.l;
    }
    for (let i = 0; i < this.activeSize; i++) {
      if (!this.beShrunk(i, Gmax1, Gmax2)) continue;
      this.activeSize--;
      while (this.activeSize > i) {
        if (!this.beShrunk(this.activeSize, Gmax1, Gmax2)) {
          this.swap(i, this.activeSize);
          break;
        }
        this.activeSize--;
      }
    }
  }

  private swap(i: number, j: number): void {
    for (const a of [this.y, this.G, this.status, this.alpha, this.active, this.Gbar, this.QD]) {
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  private reconstructGradient(): void {
    const { l, activeSize, G, Gbar, alpha, status } = this;
    if (activeSize === l) return;
    for (let j = activeSize; j < l; j++) G[j] = Gbar[j] - 1;
    let nrFree = 0;
    for (let j = 0; j < activeSize; j++) if (status[j] === FREE) nrFree++;
    if (nrFree * l > 2 * activeSize * (l - activeSize)) {
      for (let i = activeSize; i < l; i++) {
        const Qi = this.getQ(i, activeSize, this.bufI);
        for (let j = 0; j < activeSize; j++) if (status[j] === FREE) G[i] += alpha[j] * Qi[j];
      }
    } else {
      for (let i = 0; i < activeSize; i++) {
        if (status[i] !== FREE) continue;
        const Qi = this.getQ(i, l, this.bufI);
        const ai = alpha[i];
        for (let j = activeSize; j < l; j++) G[j] += ai * Qi[j];
      }
    }
  }

  private calculateRho(): number {
    const { y, G, status } = this;
    let nrFree = 0, ub = Infinity, lb = -Infinity, sumFree = 0;
    for (let i = 0; i < this.activeSize; i++) {
      const yG = y[i] * G[i];
      if (status[i] === UPPER) {
        if (y[i] === -1) ub = Math.min(ub, yG);
        else lb = Math.max(lb, yG);
      } else if (status[i] === LOWER) {
        if (y[i] === 1) ub = Math.min(ub, yG);
        else lb = Math.max(lb, yG);
      } else {
        ++nrFree;
        sumFree += yG;
      }
    }
    return nrFree > 0 ? sumFree / nrFree : (ub + lb) / 2;
  }
}

export interface SmoOptions {
  C: number;
  gamma: number;
  tolerance: number;
  shrinking: boolean;
  cacheSizeMb: number;
}

/** Fits libsvm's C-SVC (RBF) on flat rows `x` (n × dim) with two distinct labels `y`. */
export function fitSmo(x: Float64Array, dim: number, y: ArrayLike<number>, o: SmoOptions): SmoModel {
  const n = y.length;
  const first = y[0];
  let second = first;
  for (let i = 0; i < n && second === first; i++) second = y[i];
  if (second === first) throw new Error("fitSmo: needs two classes");
  // svm_group_classes: the first class's rows, then the second's, each in input order.
  const order = [
    ...Array.from({ length: n }, (_, i) => i).filter((i) => y[i] === first),
    ...Array.from({ length: n }, (_, i) => i).filter((i) => y[i] !== first),
  ];
  const grouped = new Float64Array(n * dim);
  order.forEach((src, k) => grouped.set(x.subarray(src * dim, (src + 1) * dim), k * dim));
  const signs = Int8Array.from(order, (src) => (y[src] === first ? 1 : -1));
  const kernel = new KernelRows(grouped, n, dim, o.gamma, o.cacheSizeMb * 2 ** 20);
  const { alpha, rho, iterations } = new Solver(kernel, signs, o.C, o.tolerance).solve(o.shrinking);
  const svRows: number[] = [];
  for (let k = 0; k < n; k++) if (Math.abs(alpha[k]) > 0) svRows.push(k);
  const sv = new Float64Array(svRows.length * dim);
  svRows.forEach((k, s) => sv.set(grouped.subarray(k * dim, (k + 1) * dim), s * dim));
  const coef = Float64Array.from(svRows, (k) => alpha[k] * signs[k]);
  return { dim, gamma: o.gamma, sv, coef, rho, labels: [first, second], iterations, kernelValues: kernel.exps };
}

/** libsvm's svm_predict for a binary C-SVC: Σ coef_k·exp(−γ·Σ(x − sv_k)²) − ρ > 0 → labels[0]. */
export function predictSmo(m: SmoModel, rows: ArrayLike<number>[]): Int32Array {
  const { dim, sv, coef, gamma } = m;
  const nSv = coef.length;
  const out = new Int32Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const q = rows[r];
    let sum = 0;
    for (let s = 0; s < nSv; s++) {
      let d2 = 0;
      for (let k = 0; k < dim; k++) {
        const d = q[k] - sv[s * dim + k];
        d2 += d * d;
      }
      sum += coef[s] * Math.exp(-gamma * d2);
    }
    out[r] = sum - m.rho > 0 ? m.labels[0] : m.labels[1];
  }
  return out;
}
