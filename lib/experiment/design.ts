/**
 * The evaluation design by forgotten target (evidence v2), declared once: which evaluation units each paradigm
 * runs, what blocks them, which tasks the search ran on and which classes it saw, and when the results are
 * looked at. `deno task unlearn --design v2`, `./kit main --design v2` and notebooks (`design: "v2"`) run it;
 * results/protocol.json reads it from here (docs/evidence.md §6).
 *
 * Every run of the design is made under the evidence-v2 protocol (results/protocol.json, unless --protocol names
 * another file), whose sha256 enters each record and configuration hash.
 *
 * A unit is one seed. The seed fixes the training pool, the validation split, the original model and every
 * method's random stream, as always (docs/evidence.md §1); under the design it also fixes what is forgotten
 * (split option `forgetTarget: "cycle"`, lib/data/splits.ts):
 * - class-wise: class = seed mod 10, so seeds 0 … 19 forget every class twice (seeds c and c + 10); the class is
 *   the blocking factor, and the interim look (seeds 0 … 9) holds every class once;
 * - group: sub-class = entry seed mod 10 of the sub-classes taken in turn from each super-class
 *   (`subclassCycle`; Fashion-MNIST 0 5 1 2 7 3 4 9 8 6: tops, footwear, other, tops, …), so seeds 0 … 9 forget
 *   every sub-class once, spread over all super-classes, and seeds 10 … 19 again (evidence v1's five seeds
 *   forgot 2 distinct sub-classes);
 * - random: 20 seeds, each its own random 10% of D_tr.
 * Class-wise and random forgetting of a seed share one original model (the same D_tr), so the 20 seeds need 20
 * originals for both, and 20 more for group forgetting (super-class labels).
 *
 * The searches (lib/search) run on seeds 100, 101, 102, disjoint from the evaluation seeds, with the same target
 * rule: class-wise they forget classes 0, 1 and 2 (seen by the search), so classes 3 … 9 are never seen and the
 * scoreboard can ask whether the selections transfer.
 */
import type { ForgetTarget, Paradigm } from "../data/splits.ts";
import { subclassCycle } from "../data/splits.ts";
import { KitError } from "../errors.ts";
import { CORE_METHODS } from "../unlearn/registry.ts";
import { SELECTIONS } from "./selection.ts";

export interface Design {
  name: string;
  doc: string;
  paradigms: Paradigm[];
  methods: string[];
  selections: string[];
  /** Evaluation seeds: 0 … seeds − 1. */
  seeds: number;
  forgetTarget: ForgetTarget;
  /** The search tasks' seeds (disjoint from the evaluation seeds), run with the same `forgetTarget`. */
  searchSeeds: number[];
  /** Units (seeds, in order) at the interim look and at the final one; the statistics state the boundary. */
  looks: { interim: number; final: number };
  /** What blocks the units per paradigm: the forgotten class or sub-class, or nothing. */
  blocks: Record<string, "class" | "subclass" | null>;
  /**
   * The pre-registered protocol file the units run under (relative to the kit's folder), unless `--protocol` names
   * another: its sha256 enters every record and configuration hash (docs/protocol.md).
   */
  protocol: string;
}

export const DESIGNS: Record<string, Design> = {
  v2: {
    name: "v2",
    doc: "evidence v2: 20 seeds a paradigm; class-wise class = seed mod 10 (every class twice), group sub-classes in " +
      "turn over the super-classes; selections R, C, C5; searched on seeds 100-102",
    paradigms: ["classwise", "random", "group"],
    methods: CORE_METHODS,
    selections: [...SELECTIONS],
    seeds: 20,
    forgetTarget: "cycle",
    searchSeeds: [100, 101, 102],
    looks: { interim: 10, final: 20 },
    blocks: { classwise: "class", group: "subclass", random: null },
    protocol: "results/protocol.json",
  },
};

export const DESIGN_NAMES = ["none", ...Object.keys(DESIGNS)] as const;

/** The design named, or null for "none"; an unknown name is a KitError naming the field. */
export function designOf(name: string | undefined): Design | null {
  if (name === undefined || name === "none") return null;
  const d = DESIGNS[name];
  if (!d) throw new KitError(`unknown design "${name}": valid values are ${DESIGN_NAMES.join(", ")}`, "design (--design)");
  return d;
}

/** One evaluation unit: its seed and, where the paradigm has one, the class or sub-class it forgets (its block). */
export interface DesignUnit {
  paradigm: Paradigm;
  seed: number;
  block: number | null;
}

/**
 * The units of a paradigm in order (the first `looks.interim` are the interim look). `classes`: the data set's
 * number of classes; `ofClass`: its super-class of each class (group forgetting).
 */
export function designUnits(d: Design, paradigm: Paradigm, classes: number, ofClass?: number[]): DesignUnit[] {
  return Array.from({ length: d.seeds }, (_, seed) => ({ paradigm, seed, block: blockOf(d, paradigm, seed, classes, ofClass) }));
}

function blockOf(d: Design, paradigm: Paradigm, seed: number, classes: number, ofClass?: number[]): number | null {
  if (d.blocks[paradigm] === "class") return seed % classes;
  if (d.blocks[paradigm] === "subclass") {
    if (!ofClass) throw new KitError(`${paradigm} needs the data set's super-classes`, "design");
    return subclassCycle(ofClass)[seed % ofClass.length];
  }
  return null;
}

/**
 * Which classes (sub-classes) the search forgot, and which it never saw: the blocks of the search seeds under the
 * same target rule. The scoreboard reports units of seen and unseen blocks apart (do selections transfer?).
 */
export function searchCoverage(d: Design, paradigm: Paradigm, classes: number, ofClass?: number[]): { seen: number[]; unseen: number[] } {
  if (!d.blocks[paradigm]) return { seen: [], unseen: [] };
  const seen = [...new Set(d.searchSeeds.map((seed) => blockOf(d, paradigm, seed, classes, ofClass)!))].sort((a, b) => a - b);
  const all = paradigm === "group" ? ofClass!.map((_, c) => c) : Array.from({ length: classes }, (_, c) => c);
  return { seen, unseen: all.filter((c) => !seen.includes(c)) };
}

/** The search tasks' seeds overlap the evaluation seeds: a KitError naming the flag. */
export function checkSearchSeeds(d: Design, seeds: number[]): void {
  const shared = seeds.filter((s) => s >= 0 && s < d.seeds);
  if (shared.length) {
    throw new KitError(
      `search task seed(s) ${shared.join(", ")} are evaluation seeds of design ${d.name} (0 … ${d.seeds - 1}); search on ${
        d.searchSeeds.join(", ")
      }`,
      "--seeds/--first-seed",
    );
  }
}
