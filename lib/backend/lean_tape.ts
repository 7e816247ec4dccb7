/**
 * Frees each tape node's memory as soon as backpropagation has passed it, on every backend.
 *
 * tfjs 4.22 keeps, until a whole backward pass ends, every tensor a kernel saved for its gradient
 * (the forward activations) and the gradient of every intermediate tensor. For ResNet-18 that is all
 * activations plus as much again in gradients at the end of the backward pass, and the wasm heap,
 * which never shrinks, keeps that peak for the life of the process (docs/speed.md, "Memory").
 *
 * Backpropagation walks the tape from the last node to the first, and a node's saved tensors and the
 * gradients of its outputs are read only while that node is processed. So when the next node's
 * gradient starts, the previous node's saved tensors and output gradients are disposed. Guards: a
 * tensor that a gradient function returned as an input's gradient is kept (e.g. Identity returns dy
 * itself), the `dy` a caller passed to `tf.grads`-style functions is never disposed, and nothing is
 * freed early inside nested gradients (engine.state.gradientDepth > 0 while the backward pass runs, or
 * a gradient function that asks for gradients itself), where an outer pass may still need the tensors. Saved tensors are clones sharing the data, so
 * disposing one only drops a reference; the data goes when its last reference does.
 *
 * Nothing changes which kernels run or in which order: the same bits, less memory
 * (tests/backend/lean_tape_test.ts).
 */
import * as tf from "@tensorflow/tfjs";

type Tensor = tf.Tensor;
type GradientMap = Record<string, () => Tensor>;

/** The parts of tfjs's engine this module wraps (instance fields and methods, not public API). */
interface TapeEngine {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  addTapeNode(kernelName: string, inputs: unknown, outputs: Tensor[], gradientsFunc: unknown, saved: Tensor[], attrs: unknown): void;
  gradients(f: () => Tensor, xs: Tensor[], dy?: Tensor, allowNoGradients?: boolean): unknown;
}

interface TapeNode {
  saved?: Tensor[];
  gradient?: (dys: (Tensor | null)[]) => GradientMap;
}

/** The node whose gradient ran last: what it may free once the next one starts. */
interface Pending {
  release: Tensor[];
  returned: Set<Tensor>;
}

let installed = false;
let enabled = true;
let pending: Pending | undefined;
/** Gradient calls now running: a gradient function that itself asks for gradients makes two. */
let activeCalls = 0;
/** `dy` arguments of the gradient calls now running, never disposed here. */
const callerDys: Tensor[] = [];

/** Tensors disposed early so far (tests check the path ran). */
export let earlyDisposals = 0;

function releasePending(): void {
  const done = pending;
  pending = undefined;
  if (done === undefined) return;
  for (const t of done.release) {
    if (done.returned.has(t) || callerDys.includes(t) || t.isDisposed) continue;
    t.dispose();
    earlyDisposals++;
  }
}

function leanGradient(engine: TapeEngine, node: TapeNode, inner: (dys: (Tensor | null)[]) => GradientMap) {
  return (dys: (Tensor | null)[]): GradientMap => {
    if (!enabled || engine.state.gradientDepth > 0 || activeCalls !== 1) return inner(dys);
    releasePending();
    const map = inner(dys);
    const mine: Pending = { release: [...(node.saved ?? []), ...dys.filter((d): d is Tensor => d !== null)], returned: new Set() };
    pending = mine;
    const wrapped: GradientMap = {};
    for (const [name, compute] of Object.entries(map)) {
      wrapped[name] = () => {
        const dx = compute();
        mine.returned.add(dx);
        return dx;
      };
    }
    return wrapped;
  };
}

/** Turns the early release off or on (tests compare both); returns the previous setting. */
export function setLeanTape(on: boolean): boolean {
  const previous = enabled;
  enabled = on;
  return previous;
}

/** Installs the early release on tfjs's engine; idempotent. */
export function installLeanTape(): void {
  if (installed) return;
  installed = true;
  const engine = tf.engine() as unknown as TapeEngine;
  const addTapeNode = engine.addTapeNode.bind(engine);
  engine.addTapeNode = (kernelName, inputs, outputs, gradientsFunc, saved, attrs) => {
    addTapeNode(kernelName, inputs, outputs, gradientsFunc, saved, attrs);
    const node = engine.state.activeTape?.at(-1);
    if (node?.gradient !== undefined) node.gradient = leanGradient(engine, node, node.gradient);
  };
  const gradients = engine.gradients.bind(engine);
  engine.gradients = (f, xs, dy, allowNoGradients) => {
    if (dy != null) callerDys.push(dy);
    activeCalls++;
    try {
      return gradients(f, xs, dy, allowNoGradients);
    } finally {
      activeCalls--;
      // The last node's tensors go with the backward pass's own clean-up; forget them here.
      if (activeCalls === 0) pending = undefined;
      if (dy != null) callerDys.pop();
    }
  };
}
