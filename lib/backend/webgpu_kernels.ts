/**
 * Fixes for tfjs's webgpu backend (TensorFlow.js 4.22) under Deno, applied from outside tfjs.
 *
 * - readSync (every `dataSync()`, `arraySync()`, and the kit's training loop, which reads the loss
 *   and the gradient norm of each step synchronously): tfjs reads a GPU buffer synchronously by
 *   copying it into a WebGPU canvas and drawing that onto a 2d canvas, which Deno does not have
 *   (`OffscreenCanvas.getContext("2d")` is null), so stock `dataSync()` throws "Cannot read
 *   properties of null (reading 'clearRect')". Deno 2.9 does read a WebGPU canvas back synchronously
 *   in `OffscreenCanvas.transferToImageBitmap()` (it copies the canvas texture into a buffer and waits
 *   for the device), and its ImageBitmap hands the pixels over through the method keyed
 *   `Symbol.for("Deno_bitmapData")`. The replacement copies the tensor's buffer byte for byte into an
 *   `rgba8unorm` canvas texture (4 bytes a texel, no colour conversion on a buffer-to-texture copy) and
 *   reads it back that way: exact for every dtype, one device round trip per 64 MiB. The symbol is
 *   Deno's internal name; `installWebgpuReadSync` checks it is there and otherwise leaves tfjs as it is
 *   (the async `data()` still works). docs/gpu.md has the details.
 *
 * - AddN with more than 7 inputs: the stock kernel binds every input and the output as storage
 *   buffers in one shader, and WebGPU's default limit is 8 a shader stage (tfjs does not ask for more),
 *   so the pipeline is invalid and nothing runs. The kit meets it in every training step of a model
 *   with 8 or more weight tensors (the gradient norm is an addN over all of them); the invalid command
 *   buffer also drops the step's other work, so the loss read back was 0. Replaced by sums of at most
 *   `maxStorageBuffersPerShaderStage − 1` inputs at a time (as tfjs's own Concat does).
 * - WebGPU validation errors are reported by the device as `uncapturederror` events, which tfjs
 *   ignores: the numbers then come out silently wrong. They are collected here, and the next read
 *   (`data()` or `dataSync()`) throws with the first message instead of returning such numbers.
 *
 * Every other op of the kit's MLP, CNN and ResNet-18, forward and backward, matched the cpu backend
 * within the tolerance of tests/backend/webgpu_check.ts on Mesa's software adapter.
 */
import * as tf from "@tensorflow/tfjs";
import { getKernel, type KernelFunc, registerKernel, type TensorInfo, unregisterKernel } from "@tensorflow/tfjs-core";

/** The parts of tfjs-backend-webgpu's WebGPUBackend that the replacement uses (tfjs 4.22 internals). */
interface WebgpuBackendInternals {
  device: GPUDevice;
  commandEncoder: GPUCommandEncoder;
  tensorMap: {
    get(dataId: object): {
      values: tf.backend_util.BackendValues | null;
      dtype: tf.DataType;
      shape: number[];
      resource: GPUBuffer | null;
      complexTensorInfos?: { real: { dataId: object }; imag: { dataId: object } };
    };
  };
  disposeData(dataId: object): boolean;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  convertAndCacheOnCPU(dataId: object, values: tf.backend_util.BackendValues): tf.backend_util.BackendValues;
  readSync(dataId: object): tf.backend_util.BackendValues;
  read(dataId: object): Promise<tf.backend_util.BackendValues>;
}

const BITMAP_DATA = Symbol.for("Deno_bitmapData");
/** Texels per row of the staging texture: 4096 bytes, a multiple of WebGPU's 256-byte row alignment. */
const ROW_TEXELS = 1024;
const BYTES_PER_TEXEL = 4;
const PATCHED = Symbol.for("unlearn-kit.webgpuReadSync");

/** Whether this runtime can read a WebGPU canvas back synchronously (Deno ≥ 2.5's OffscreenCanvas). */
export function canReadWebgpuSync(): boolean {
  return typeof OffscreenCanvas === "function" && typeof ImageBitmap === "function" &&
    typeof (ImageBitmap.prototype as unknown as Record<symbol, unknown>)[BITMAP_DATA] === "function";
}

/**
 * Copies `size` bytes (a multiple of 4) of `buffer` to the CPU without awaiting. Commands the backend
 * has queued run first: the copy goes into the backend's own command encoder, which is submitted.
 */
export function readGpuBufferSync(backend: WebgpuBackendInternals, buffer: GPUBuffer, size: number): ArrayBuffer {
  if (size % BYTES_PER_TEXEL !== 0) throw new Error(`readGpuBufferSync: size ${size} is not a multiple of 4`);
  const out = new Uint8Array(size);
  const bytesPerRow = ROW_TEXELS * BYTES_PER_TEXEL;
  const maxRows = Math.min(backend.device.limits.maxTextureDimension2D, 16384);
  const chunk = bytesPerRow * maxRows;
  for (let offset = 0; offset < size; offset += chunk) {
    const bytes = Math.min(chunk, size - offset);
    const fullRows = Math.floor(bytes / bytesPerRow);
    const tailTexels = (bytes % bytesPerRow) / BYTES_PER_TEXEL;
    const width = fullRows > 0 ? ROW_TEXELS : tailTexels;
    const height = fullRows + (tailTexels > 0 ? 1 : 0);
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext("webgpu") as GPUCanvasContext | null;
    if (context === null) throw new Error("readGpuBufferSync: OffscreenCanvas has no webgpu context");
    context.configure({ device: backend.device, format: "rgba8unorm", usage: GPUTextureUsage.COPY_DST, alphaMode: "premultiplied" });
    const texture = context.getCurrentTexture();
    backend.ensureCommandEncoderReady();
    backend.endComputePassEncoder();
    if (fullRows > 0) {
      backend.commandEncoder.copyBufferToTexture({ buffer, offset, bytesPerRow }, { texture }, { width: ROW_TEXELS, height: fullRows });
    }
    if (tailTexels > 0) {
      backend.commandEncoder.copyBufferToTexture(
        { buffer, offset: offset + fullRows * bytesPerRow, bytesPerRow },
        { texture, origin: { x: 0, y: fullRows } },
        { width: tailTexels, height: 1 },
      );
    }
    backend.submitQueue();
    const bitmap = canvas.transferToImageBitmap();
    const pixels = (bitmap as unknown as Record<symbol, () => Uint8Array>)[BITMAP_DATA]();
    // Rows are width × 4 bytes with no padding; the tail row's unused texels come after `bytes`.
    out.set(pixels.subarray(0, bytes), offset);
    bitmap.close();
  }
  return out.buffer;
}

/** Validation and out-of-memory errors the device reported since the last read, oldest first. */
const deviceErrors: string[] = [];

/** Errors the WebGPU device reported and no read has thrown yet (for checks; reading clears nothing). */
export function pendingWebgpuErrors(): readonly string[] {
  return deviceErrors;
}

function throwDeviceErrors(): void {
  if (deviceErrors.length === 0) return;
  const [first] = deviceErrors;
  const more = deviceErrors.length > 1 ? ` (and ${deviceErrors.length - 1} more)` : "";
  deviceErrors.length = 0;
  throw new Error(`WebGPU reported an error, so results computed since the last read are wrong: ${first}${more}`);
}

/** Replaces the webgpu backend's readSync with readGpuBufferSync; both reads throw pending device errors. */
function patchReads(backend: WebgpuBackendInternals): string[] {
  const proto = Object.getPrototypeOf(backend) as WebgpuBackendInternals & Record<symbol, string[]>;
  if (proto[PATCHED]) return proto[PATCHED];
  const stockSync = proto.readSync;
  const stockRead = proto.read;
  const sync = canReadWebgpuSync();
  proto.readSync = function (this: WebgpuBackendInternals, dataId: object) {
    const data = this.tensorMap.get(dataId);
    let values: tf.backend_util.BackendValues;
    if (!sync || data.values != null || data.dtype === "string" || data.dtype === "complex64" || data.resource == null) {
      values = stockSync.call(this, dataId); // cached on the CPU, or complex (stock splits it and calls us back)
    } else {
      const bytes = readGpuBufferSync(this, data.resource, data.resource.size);
      values = this.convertAndCacheOnCPU(dataId, tf.util.convertBackendValuesAndArrayBuffer(bytes, data.dtype));
    }
    throwDeviceErrors();
    return values;
  };
  proto.read = async function (this: WebgpuBackendInternals, dataId: object) {
    const values = await stockRead.call(this, dataId);
    throwDeviceErrors();
    return values;
  };
  proto[PATCHED] = sync ? ["readSync"] : [];
  return proto[PATCHED];
}

/** AddN over at most `maxStorageBuffersPerShaderStage − 1` inputs per shader (module doc). */
function chunkedAddN(stock: KernelFunc): KernelFunc {
  const addN: KernelFunc = ({ inputs, backend, attrs }) => {
    const tensors = inputs as unknown as TensorInfo[];
    const webgpu = backend as unknown as WebgpuBackendInternals;
    const most = webgpu.device.limits.maxStorageBuffersPerShaderStage - 1;
    if (tensors.length <= most) return stock({ inputs, backend, attrs });
    const partials: TensorInfo[] = [];
    for (let i = 0; i < tensors.length; i += most) {
      const chunk = tensors.slice(i, i + most);
      partials.push(chunk.length === 1 ? chunk[0] : stock({ inputs: chunk as never, backend, attrs }) as TensorInfo);
    }
    const sum = addN({ inputs: partials as never, backend, attrs }) as TensorInfo;
    for (const p of partials) if (!tensors.includes(p)) webgpu.disposeData(p.dataId);
    return sum;
  };
  return addN;
}

let kernels: string[] | undefined;

/**
 * Applies this file's fixes to the started "webgpu" backend (once per process; call after
 * `tf.setBackend("webgpu")` succeeded). Returns what was replaced, for the run record: "readSync"
 * (absent where the runtime cannot read synchronously: stock behaviour kept) and kernel names.
 */
export function registerWebgpuKernels(): string[] {
  const backend = tf.findBackend("webgpu") as unknown as WebgpuBackendInternals | null;
  if (backend === null) throw new Error('registerWebgpuKernels: the "webgpu" backend has not started');
  const reads = patchReads(backend);
  if (kernels === undefined) {
    backend.device.addEventListener("uncapturederror", (event) => {
      deviceErrors.push((event as GPUUncapturedErrorEvent).error.message);
    });
    const stock = getKernel("AddN", "webgpu");
    if (stock === undefined) throw new Error("registerWebgpuKernels: tfjs-backend-webgpu has no AddN kernel");
    unregisterKernel("AddN", "webgpu");
    registerKernel({ ...stock, kernelFunc: chunkedAddN(stock.kernelFunc) });
    kernels = ["AddN"];
  }
  return [...reads, ...kernels];
}
