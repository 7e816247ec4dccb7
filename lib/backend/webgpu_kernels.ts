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
 * Kernels: every op the kit's MLP, CNN and ResNet-18 use, forward and backward, matched the cpu backend
 * within tests/backend/webgpu_test.ts's tolerance on Mesa's software adapter, so no kernel is replaced.
 */
import * as tf from "@tensorflow/tfjs";

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
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  convertAndCacheOnCPU(dataId: object, values: tf.backend_util.BackendValues): tf.backend_util.BackendValues;
  readSync(dataId: object): tf.backend_util.BackendValues;
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

/**
 * Replaces the webgpu backend's readSync with readGpuBufferSync (once per process). Call after
 * `tf.setBackend("webgpu")` succeeded. Returns the names of what it replaced, for the run record:
 * ["readSync"], or [] where the runtime cannot read synchronously (stock behaviour kept).
 */
export function installWebgpuReadSync(): string[] {
  if (!canReadWebgpuSync()) return [];
  const backend = tf.findBackend("webgpu") as unknown as WebgpuBackendInternals | null;
  if (backend === null) throw new Error('installWebgpuReadSync: the "webgpu" backend has not started');
  const proto = Object.getPrototypeOf(backend) as WebgpuBackendInternals & Record<symbol, boolean>;
  if (proto[PATCHED]) return ["readSync"];
  const stock = proto.readSync;
  proto.readSync = function (this: WebgpuBackendInternals, dataId: object) {
    const data = this.tensorMap.get(dataId);
    if (data.values != null || data.dtype === "string" || data.dtype === "complex64" || data.resource == null) {
      return stock.call(this, dataId); // cached on the CPU, or complex (stock splits it and calls us back)
    }
    const bytes = readGpuBufferSync(this, data.resource, data.resource.size);
    const values = tf.util.convertBackendValuesAndArrayBuffer(bytes, data.dtype);
    this.convertAndCacheOnCPU(dataId, values);
    return values;
  };
  proto[PATCHED] = true;
  return ["readSync"];
}
