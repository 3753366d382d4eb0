// The hand-written type of the kernel module's exports (src/kernels/exports.ts) must be the module
// that assembly/index.ts builds: every declared function exported, with as many parameters, and
// nothing exported that the type does not declare. Otherwise a changed kernel signature would
// compile in TypeScript and pass shifted arguments at run time.
import test from "ava";
import { readFileSync } from "node:fs";
import ts from "typescript";
import { BUILDS, kernelsFor } from "../helpers/kernels.js";

/** Method name → parameter count of the KernelExports interface, read with the TypeScript parser. */
function declaredExports(): Map<string, number> {
  const path = new URL("../../src/kernels/exports.ts", import.meta.url);
  const source = ts.createSourceFile("exports.ts", readFileSync(path, "utf8"), ts.ScriptTarget.Latest, true);
  const out = new Map<string, number>();
  source.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node) || node.name.text !== "KernelExports") return;
    for (const member of node.members) {
      if (ts.isMethodSignature(member)) out.set(member.name.getText(source), member.parameters.length);
    }
  });
  return out;
}

for (const simd of BUILDS) {
  test(`the KernelExports type matches the ${simd} module's exports (names and parameter counts)`, async (t) => {
    const declared = declaredExports();
    t.true(declared.size > 40, `parsed ${declared.size} declarations`);
    const k = await kernelsFor(simd);
    const exported = new Map(
      Object.entries(k.exports as unknown as Record<string, unknown>)
        .filter(([, v]) => typeof v === "function")
        .map(([name, fn]) => [name, (fn as (...args: unknown[]) => unknown).length]),
    );
    const missing = [...declared.keys()].filter((n) => !exported.has(n));
    const undeclared = [...exported.keys()].filter((n) => !declared.has(n));
    const arity = [...declared]
      .filter(([n, count]) => exported.has(n) && exported.get(n) !== count)
      .map(([n, count]) => `${n}: declared ${count}, module ${exported.get(n)}`);
    t.deepEqual(missing, [], "declared but not exported");
    t.deepEqual(undeclared, [], "exported but not declared");
    t.deepEqual(arity, [], "parameter counts differ");
  });
}
