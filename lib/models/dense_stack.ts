/**
 * Recognises a model that is a dense stack: an input, tfjs's Flatten (channels last), then a chain of Dense
 * layers with a bias and relu or no activation, nothing else (the kit's MLP, lib/models/mlp.ts). Such a model's
 * forward and backward pass can run as one native op each way (lib/backend/native/dense_stack.ts), with the bits of
 * tfjs's layers; every other model, or a layer with anything the op does not do (another activation, no bias, an
 * activity regulariser), is left to tfjs.
 */
import type * as tf from "@tensorflow/tfjs";
import { type DenseLayer, MAX_DENSE_LAYERS } from "../backend/native/dense_stack.ts";

type Layer = tf.LayersModel["layers"][number];

/** What a stack's layer reads at call time: its variables, and relu or not. */
interface DenseSpec {
  layer: Layer;
  relu: boolean;
}

const stacks = new WeakMap<tf.LayersModel, DenseSpec[] | null>();

/** Whether `layer` is called on `previous`'s output only, once. */
function follows(layer: Layer, previous: Layer): boolean {
  const [node, ...others] = layer.inboundNodes;
  return others.length === 0 && node !== undefined && node.inboundLayers.length === 1 && node.inboundLayers[0] === previous;
}

/** A Dense layer the op runs as tfjs would: bias, relu or linear, no activity regulariser, float32 kernel and bias. */
function denseSpec(layer: Layer): DenseSpec | undefined {
  if (layer.getClassName() !== "Dense") return undefined;
  const [kernel, bias, ...others] = layer.weights;
  if (others.length > 0 || kernel?.dtype !== "float32" || bias?.dtype !== "float32" || bias.shape.length !== 1) return undefined;
  const config = layer.getConfig();
  const activation = config.activation;
  if (config.useBias !== true || config.activityRegularizer != null) return undefined;
  if (activation !== "relu" && activation !== "linear") return undefined;
  return { layer, relu: activation === "relu" };
}

function isFlatten(layer: Layer): boolean {
  const format = layer.getConfig().dataFormat;
  return layer.getClassName() === "Flatten" && (format == null || format === "channelsLast");
}

/** The model's Dense layers in order when it is a dense stack, else null. */
function stackOf(model: tf.LayersModel): DenseSpec[] | null {
  const [input, flatten, ...dense] = model.layers;
  if (model.inputs.length !== 1 || model.outputs.length !== 1 || input?.getClassName() !== "InputLayer") return null;
  if (flatten === undefined || !isFlatten(flatten) || !follows(flatten, input)) return null;
  if (dense.length === 0 || dense.length > MAX_DENSE_LAYERS || model.outputs[0].sourceLayer !== dense.at(-1)) return null;
  const specs: DenseSpec[] = [];
  for (const [i, layer] of dense.entries()) {
    const spec = denseSpec(layer);
    if (spec === undefined || !follows(layer, i === 0 ? flatten : dense[i - 1])) return null;
    specs.push(spec);
  }
  return specs;
}

/** The kernel and bias variables of a Dense layer (its weights in the order it made them). */
function variablesOf(layer: Layer): { kernel: tf.Tensor; bias: tf.Tensor } {
  const [kernel, bias] = layer.weights.map((w) => w.read());
  return { kernel, bias };
}

/**
 * The layers of `model` for the native dense-stack op, when the model is a dense stack and x a float32 batch of
 * the model's input shape; else undefined (the caller runs the model through tfjs).
 */
export function denseStackLayers(model: tf.LayersModel, x: tf.Tensor): DenseLayer[] | undefined {
  let specs = stacks.get(model);
  if (specs === undefined) stacks.set(model, specs = stackOf(model));
  if (specs === null || x.dtype !== "float32" || x.shape[0] === 0) return undefined;
  const expected = model.inputs[0].shape;
  if (x.rank !== expected.length || x.shape.some((d, i) => i > 0 && d !== expected[i])) return undefined;
  return specs.map(({ layer, relu }) => ({ ...variablesOf(layer), relu }));
}
