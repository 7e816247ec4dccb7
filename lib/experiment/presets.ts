/**
 * Recipes for original models (and Retrain) per data set × model, and the main job's sizes. The
 * paper trains ResNet-18 for 160 epochs at lr 0.01, batch 256 (§11.3); the kit's recipes are what
 * memorises the training set (train accuracy near 100%, as the paper's models do) on 2 CPU cores.
 * Measured train/test accuracies are in each run record's `original` field.
 */
import type { SgdOptions } from "../train.ts";

export interface Preset {
  training: SgdOptions;
  /** Stratified training subset; 0 = the whole train split. */
  trainSize: number;
  testSize: number;
}

const MEMORISE_MLP: SgdOptions = {
  epochs: 50,
  batchSize: 128,
  learningRate: 0.05,
  momentum: 0.9,
  weightDecay: 0,
  schedule: "cosine",
  clipNorm: 0,
  augment: "none",
};

export const PRESETS: Record<string, Preset> = {
  "fashion-mnist/mlp": { training: MEMORISE_MLP, trainSize: 10000, testSize: 5000 },
  // Mean-pooled embeddings learn slowly under SGD: lr 1.0 for 40 epochs reaches 99% train accuracy
  // on 8000 descriptions (test 79%).
  "debian-corpus/bag-of-embeddings": {
    training: { ...MEMORISE_MLP, epochs: 40, learningRate: 1.0 },
    trainSize: 8000,
    testSize: 2000,
  },
  "debian-corpus/text-encoder": { training: { ...MEMORISE_MLP, epochs: 10, learningRate: 0.02 }, trainSize: 0, testSize: 0 },
  "fashion-mnist/cnn": { training: { ...MEMORISE_MLP, epochs: 15, learningRate: 0.02 }, trainSize: 10000, testSize: 5000 },
  // Notebook 10's small ViT (patch 7, dim 64, depth 2, heads 4) on 1,800 training images for 10 epochs. Under the MLP's
  // recipe (batch 128, lr 0.05, no clipping: 140 steps) it never learnt (train accuracy 10.6-35.6% over five seeds).
  // Batch 16 gives 8 times the steps and clipping the global gradient norm at 1 keeps the attention layers from blowing
  // up: 86.1% and 85.0% train accuracy on seeds 3 and 0 (10.6% and 25.3% before; dim 32 reached 81.6% on seed 3).
  // It costs what the old recipe cost: 260 s against 271 s for the 10 epochs of seed 0, back to back on 2 shared
  // cores at load average 4.3-5.3, so notebook 10 keeps its budget.
  "fashion-mnist/vit": {
    training: { ...MEMORISE_MLP, epochs: 10, batchSize: 16, learningRate: 0.02, clipNorm: 1 },
    trainSize: 2000,
    testSize: 1000,
  },
  // The paper's CIFAR-10 recipe (§11.3: SGD, lr 0.01, batch 256, 160 epochs) at a CPU-sized length, with the usual
  // crop-and-flip augmentation. At this scale it wants a GPU: on 2 CPU cores a ResNet-18 step of 32 images takes
  // about half a second (results/bench/train_step.json), so one epoch of the 50,000 images takes ~13 minutes.
  "cifar10/resnet18": {
    training: {
      epochs: 30,
      batchSize: 128,
      learningRate: 0.05,
      momentum: 0.9,
      weightDecay: 5e-4,
      schedule: "cosine",
      clipNorm: 0,
      augment: "crop-flip",
    },
    trainSize: 0,
    testSize: 0,
  },
};

/** The preset for a data set × model, or a generic recipe when none is written down. */
export function presetFor(dataset: string, model: string): Preset {
  return PRESETS[`${dataset}/${model}`] ?? { training: MEMORISE_MLP, trainSize: 0, testSize: 0 };
}
