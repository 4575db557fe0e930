// Prints a browser run's outcome from Playwright's JSON report: each failed
// test with where it failed and its errors, any error outside a test (a
// server that never started), then one line of counts. The list reporter
// prints errors too, but far above the end of a long run's log, and CI
// keeps only the end of it: this puts the reason beside the counts.
//
//   node summary.mjs LABEL REPORT.json
import { readFileSync } from "node:fs";
import * as path from "node:path";

const [label, file] = process.argv.slice(2);
let report;
try {
  report = JSON.parse(readFileSync(file, "utf8"));
} catch (e) {
  console.log(`${label}: no report at ${file} (${e.message}): Playwright stopped before writing it`);
  process.exit(0);
}
// Control sequences for colour: the log is read as text.
const plain = (s) => (s ?? "").replace(/\u001b\[[0-9;]*m/g, "");
// An error's place: the spec's line, or a helper's, from its stack.
const place = (e) => (e?.location ? ` (at ${path.basename(e.location.file)}:${e.location.line})` : "");
const lines = (e, n) => plain(e?.message ?? "no message").split("\n").slice(0, n);

// Each failed test as the walk meets it. A timeout's first error has no
// place; the step it was stuck in comes after it, so every error is shown.
const walk = (suite) => {
  for (const spec of suite.specs ?? []) {
    for (const test of spec.tests.filter((t) => t.status === "unexpected")) {
      console.log(`FAILED [${test.projectName}] ${spec.file}:${spec.line} ${spec.title}`);
      const last = test.results.at(-1);
      for (const e of last?.errors?.length ? last.errors : [last?.error].filter(Boolean)) {
        const [first, ...rest] = lines(e, 14);
        console.log(`    ${first}${place(e)}`);
        for (const line of rest) console.log(`    ${line}`);
      }
    }
  }
  (suite.suites ?? []).forEach(walk);
};
(report.suites ?? []).forEach(walk);
for (const e of report.errors ?? []) {
  console.log(`ERROR outside any test${place(e)}`);
  for (const line of lines(e, 14)) console.log(`    ${line}`);
}
const s = report.stats ?? {};
console.log(`${label}: ${s.expected} passed, ${s.unexpected} failed, ${s.flaky} flaky, ${s.skipped} skipped`);
