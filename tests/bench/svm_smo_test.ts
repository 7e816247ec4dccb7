/**
 * bench/svm_smo.ts (libsvm's C-SVC solver ported to TypeScript) against libsvm-js (libsvm in
 * WebAssembly, what the attacker uses): the same predictions on every golden data set (tests/golden/svm_*.json),
 * on its training rows and its test rows.
 */
import assert from "node:assert/strict";
import { ATTACKER_SVC, fitSvc } from "../../lib/metrics/svm.ts";
import { fitSmo, predictSmo } from "../../bench/svm_smo.ts";

const dir = new URL("../golden/", import.meta.url);
const names: string[] = [];
for await (const e of Deno.readDir(dir)) if (/^svm_.*\.json$/.test(e.name)) names.push(e.name);
names.sort();

Deno.test("golden data sets are present for the port", () => assert.ok(names.length >= 6, `found ${names.length}`));

for (const file of names) {
  Deno.test(`the ported solver predicts as libsvm-js on ${file}`, async () => {
    const g: { xTrain: number[][]; yTrain: number[]; xTest: number[][]; params: { C: number; gamma: number } } = JSON.parse(
      await Deno.readTextFile(new URL(file, dir)),
    );
    const dim = g.xTrain[0].length;
    const flat = Float64Array.from(g.xTrain.flat());
    const port = fitSmo(flat, dim, g.yTrain, { ...ATTACKER_SVC, C: g.params.C, gamma: g.params.gamma });
    const wasm = await fitSvc(g.xTrain, g.yTrain, { C: g.params.C, gamma: g.params.gamma });
    try {
      assert.deepEqual(predictSmo(port, g.xTest), wasm.predict(g.xTest));
      assert.deepEqual(predictSmo(port, g.xTrain), wasm.predict(g.xTrain));
    } finally {
      wasm.dispose();
    }
    assert.ok(port.iterations > 0 && port.coef.length > 0);
  });
}
