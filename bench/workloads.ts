/**
 * The bench's three training workloads, shared by the kit's side (bench/kit_step.ts,
 * bench/kernel_profile.ts) and mirrored in bench/torch_step.py: the kit's models (lib/models) at the
 * issue's batch sizes, 10 classes.
 *   mlp      784-256-256-10, batch 256, 28×28×1
 *   cnn      conv32(3×3)-maxpool-conv64(3×3)-maxpool-dense128-dense10, "same" padding, batch 128, 28×28×1
 *   resnet18 CIFAR form (3×3 stem, no max-pool, BasicBlocks [2,2,2,2], width 64), batch 32, 32×32×3
 */
export const WORKLOAD_SHAPES = {
  mlp: { arch: "mlp", inputShape: [28, 28, 1], batch: 256 },
  cnn: { arch: "cnn", inputShape: [28, 28, 1], batch: 128 },
  resnet18: { arch: "resnet18", inputShape: [32, 32, 3], batch: 32 },
} as const;

export type WorkloadName = keyof typeof WORKLOAD_SHAPES;

export const WORKLOAD_NAMES = Object.keys(WORKLOAD_SHAPES) as WorkloadName[];
