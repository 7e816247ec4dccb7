/**
 * The model interface. An architecture builds a tfjs LayersModel that maps a batch of samples to logits,
 * and names its penultimate layer (features for the adaptive smooth rate, MIA and plots). Training
 * loops, methods and metrics see only `Net`, so ResNet-18, VGG-16, ViT or a text transformer plug in as
 * one file and one registry line.
 */
import type * as tf from "@tensorflow/tfjs";

export type OptionValue = number | string | boolean;

export interface ModelConfig {
  arch: string;
  /** Shape of one sample, e.g. [28, 28, 1], or [seqLen] for token ids. */
  inputShape: number[];
  numClasses: number;
  /** Architecture options (widths, depth, vocabulary size…), merged over the architecture's defaults. */
  options: Record<string, OptionValue>;
}

export interface Net {
  config: ModelConfig;
  /** x → logits. */
  model: tf.LayersModel;
  /** x → penultimate features; shares weights with `model`. */
  features: tf.LayersModel;
}

export interface ArchSpec {
  name: string;
  description: string;
  input: "image" | "tokens";
  defaults: Record<string, OptionValue>;
  /** Builds fresh weights drawn from `seed`. Returns the model and its penultimate layer's name. */
  build(config: ModelConfig, seed: number): { model: tf.LayersModel; featureLayer: string };
}
