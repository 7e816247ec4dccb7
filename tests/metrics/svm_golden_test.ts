/**
 * Golden test of the attacker SVM against scikit-learn (scripts/golden_svm.py made the data with
 * Debian's python3-sklearn: SVC(C=3, gamma=1/n_features, kernel="rbf")). Requires >= 99% agreement of
 * predictions on every data set, and writes the measured agreement to results/golden/svm_agreement.json.
 */
import assert from "node:assert/strict";
import { fitSvc } from "../../lib/metrics/svm.ts";

interface Golden {
  name: string;
  sklearn: string;
  params: { C: number; gamma: number };
  xTrain: number[][];
  yTrain: number[];
  xTest: number[][];
  predTrain: number[];
  predTest: number[];
  decisionTest: number[];
}

const dir = new URL("../golden/", import.meta.url);
const names: string[] = [];
for await (const e of Deno.readDir(dir)) if (/^svm_.*\.json$/.test(e.name)) names.push(e.name);
names.sort();

function agreement(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

Deno.test("golden data sets are present", () => {
  assert.ok(names.length >= 6, `found ${names.length} golden files in tests/golden`);
});

const results: Record<string, unknown>[] = [];

/** Rewritten after every data set, so a filtered run still leaves a consistent file. */
async function writeAgreement(): Promise<void> {
  const out = new URL("../../results/golden/", import.meta.url);
  await Deno.mkdir(out, { recursive: true });
  const all = results.map((r) => r.agreementTest as number);
  const doc = {
    what: "lib/metrics/svm.ts (libsvm-js 0.2.1, wasm) vs scikit-learn SVC(C=3, gamma=1/n_features, rbf): share of equal predictions",
    generator: "scripts/golden_svm.py; checked by tests/metrics/svm_golden_test.ts",
    minAgreementTest: Math.min(...all),
    datasets: results,
  };
  await Deno.writeTextFile(new URL("svm_agreement.json", out), JSON.stringify(doc, null, 2) + "\n");
}

for (const file of names) {
  Deno.test(`SVC agrees with scikit-learn on ${file}`, async () => {
    const g: Golden = JSON.parse(await Deno.readTextFile(new URL(file, dir)));
    const svc = await fitSvc(g.xTrain, g.yTrain, { C: g.params.C, gamma: g.params.gamma });
    const predTest = svc.predict(g.xTest);
    const predTrain = svc.predict(g.xTrain);
    svc.dispose();
    const agreeTest = agreement(predTest, g.predTest);
    const agreeTrain = agreement(predTrain, g.predTrain);
    // Where they differ, scikit-learn's decision value should be near the boundary.
    const margins = g.decisionTest.filter((_, i) => predTest[i] !== g.predTest[i]).map(Math.abs);
    const row = {
      dataset: g.name,
      sklearn: g.sklearn,
      nTrain: g.yTrain.length,
      nTest: g.xTest.length,
      agreementTest: agreeTest,
      agreementTrain: agreeTrain,
      disagreements: predTest.length - Math.round(agreeTest * predTest.length),
      maxAbsSklearnDecisionWhereDiffer: margins.length ? Math.max(...margins) : 0,
    };
    results.push(row);
    await writeAgreement();
    console.log(`${g.name}: agreement test ${(100 * agreeTest).toFixed(2)}%, train ${(100 * agreeTrain).toFixed(2)}%`);
    assert.ok(agreeTest >= 0.99, `${g.name}: test agreement ${agreeTest}`);
    assert.ok(agreeTrain >= 0.99, `${g.name}: train agreement ${agreeTrain}`);
  });
}
