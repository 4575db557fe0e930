// Prints a browser run's outcome from Playwright's JSON report: one line of
// counts, then each failed test with its error. The list reporter prints
// errors too, but far above the end of a long run's log, and CI keeps only
// the end of it: this puts the reason beside the counts.
//
//   node summary.mjs LABEL REPORT.json
import { readFileSync } from "node:fs";

const [label, file] = process.argv.slice(2);
const report = JSON.parse(readFileSync(file, "utf8"));
// Control sequences for colour: the log is read as text.
const plain = (s) => (s ?? "").replace(/\u001b\[[0-9;]*m/g, "");

const failed = [];
const walk = (suite) => {
  for (const spec of suite.specs ?? []) {
    for (const test of spec.tests) {
      if (test.status !== "unexpected") continue;
      const last = test.results.at(-1);
      const at = last?.error?.location;
      failed.push({
        where: `[${test.projectName}] ${spec.file}:${spec.line} ${spec.title}${at ? ` (failed at line ${at.line})` : ""}`,
        error: plain(last?.error?.message ?? last?.errors?.[0]?.message ?? "no error recorded").split("\n").slice(0, 14),
      });
    }
  }
  (suite.suites ?? []).forEach(walk);
};
(report.suites ?? []).forEach(walk);

const s = report.stats;
for (const f of failed) {
  console.log(`FAILED ${f.where}`);
  for (const line of f.error) console.log(`    ${line}`);
}
console.log(`${label}: ${s.expected} passed, ${s.unexpected} failed, ${s.flaky} flaky, ${s.skipped} skipped`);
