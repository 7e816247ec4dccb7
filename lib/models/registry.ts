/**
 * Architectures by name, and the operations every method needs on a `Net`: build, clone, save, load.
 * A new architecture is one file and one line in ARCHS.
 */
import { KitError } from "../errors.ts";
import * as tf from "@tensorflow/tfjs";
import { cnn } from "./cnn.ts";
import { mlp } from "./mlp.ts";
import { resnet18 } from "./resnet18.ts";
import { bagOfEmbeddings, textEncoder } from "./text.ts";
import { vgg16 } from "./vgg16.ts";
import { vit } from "./vit.ts";
import type { ArchSpec, ModelConfig, Net, OptionValue } from "./types.ts";

export const ARCHS: Record<string, ArchSpec> = {
  mlp,
  cnn,
  resnet18,
  vgg16,
  vit,
  "text-encoder": textEncoder,
  "bag-of-embeddings": bagOfEmbeddings,
};

export function archSpec(name: string): ArchSpec {
  const spec = ARCHS[name];
  if (!spec) throw new KitError(`unknown model "${name}": valid values are ${Object.keys(ARCHS).join(", ")}`);
  return spec;
}

export function modelConfig(
  arch: string,
  inputShape: number[],
  numClasses: number,
  options: Record<string, OptionValue> = {},
): ModelConfig {
  const spec = archSpec(arch);
  for (const key of Object.keys(options)) {
    if (!(key in spec.defaults)) {
      throw new KitError(`model ${arch}: unknown option "${key}": valid options are ${Object.keys(spec.defaults).join(", ")}`);
    }
  }
  return { arch, inputShape, numClasses, options: { ...spec.defaults, ...options } };
}

function wrap(config: ModelConfig, model: tf.LayersModel, featureLayer: string): Net {
  const features = tf.model({ inputs: model.inputs, outputs: model.getLayer(featureLayer).output });
  return { config, model, features };
}

/** A fresh model with weights drawn from `seed`. */
export function buildNet(config: ModelConfig, seed: number): Net {
  const { model, featureLayer } = archSpec(config.arch).build(config, seed);
  return wrap(config, model, featureLayer);
}

/** A deep copy: same architecture, copied weights (and batch-norm statistics). */
export function cloneNet(net: Net): Net {
  const copy = buildNet(net.config, 0);
  tf.tidy(() => copy.model.setWeights(net.model.getWeights().map((w) => w.clone())));
  return copy;
}

export function disposeNet(net: Net): void {
  net.model.dispose();
}

/** Every weight's float32 bytes, in the model's order, end to end (for a checksum of the model's state). */
export function weightBytes(net: Net): Uint8Array {
  const arrays = net.model.getWeights().map((w) => w.dataSync() as Float32Array);
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.byteLength, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  return out;
}

export function countParams(net: Net): number {
  return net.model.countParams();
}

interface SavedMeta {
  format: "unlearn-kit/net";
  version: 1;
  config: ModelConfig;
  featureLayer: string;
}

/**
 * Saves in the tfjs layers format (model.json + weights.bin) plus the kit's config, so `loadNet` can
 * rebuild the same `Net`. Files are written to a temporary name and renamed, so an interrupted save
 * never leaves a half-written model that a later run would trust.
 */
export async function saveNet(net: Net, dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const featureLayer = net.features.outputs[0].sourceLayer.name;
  await net.model.save(tf.io.withSaveHandler(async (artifacts) => {
    const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
    const modelJson = {
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }],
      format: "layers-model",
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    };
    const meta: SavedMeta = { format: "unlearn-kit/net", version: 1, config: net.config, featureLayer };
    // Temporary names of this process alone: shards of a search may train and save the same original
    // at once (each rename then replaces a complete file with a complete file).
    const tmp = `${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
    await Deno.writeFile(`${dir}/weights.bin.${tmp}`, weights);
    await Deno.writeTextFile(`${dir}/model.json.${tmp}`, JSON.stringify(modelJson));
    await Deno.writeTextFile(`${dir}/net.json.${tmp}`, JSON.stringify(meta, null, 2));
    for (const f of ["weights.bin", "model.json", "net.json"]) await Deno.rename(`${dir}/${f}.${tmp}`, `${dir}/${f}`);
    return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: "JSON" } };
  }));
}

export async function loadNet(dir: string): Promise<Net> {
  let meta: SavedMeta;
  let modelJson: { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
  let weights: Uint8Array;
  try {
    meta = JSON.parse(await Deno.readTextFile(`${dir}/net.json`));
    modelJson = JSON.parse(await Deno.readTextFile(`${dir}/model.json`));
    weights = await Deno.readFile(`${dir}/weights.bin`);
  } catch (e) {
    throw new KitError(`${dir}: cannot load saved model (${(e as Error).message})`);
  }
  if (meta.format !== "unlearn-kit/net") throw new KitError(`${dir}/net.json: not an unlearn-kit model`);
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest[0].weights,
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
  }));
  return wrap(meta.config, model, meta.featureLayer);
}
