// The client payload figure: the JavaScript, WebAssembly and CSS every
// console page (Payer Support included) loads from target/site/pkg, raw,
// gzip (level 9) and brotli (quality 11), as the server's compression layer
// would send them at best. Prints one Markdown table row.
import { readdirSync, readFileSync } from "node:fs";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const dir = process.argv[2] ?? "target/site/pkg";
// Release builds hash the names (paydesk.<hash>.wasm); precompressed copies
// (.br, .gz) sit beside them and are left out.
const files = [".wasm", ".js", ".css"].map((ext) =>
  readdirSync(dir).find((f) => f.startsWith("paydesk") && f.endsWith(ext)));
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
let raw = 0, gz = 0, br = 0;
const parts = [];
for (const f of files) {
  const bytes = readFileSync(`${dir}/${f}`);
  const g = gzipSync(bytes, { level: 9 }).length;
  const b = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  raw += bytes.length; gz += g; br += b;
  parts.push(`${f} ${kb(b)}`);
}
const goal = 250 * 1024;
console.log(`| client payload (wasm + js + css) | raw ${kb(raw)}, gzip ${kb(gz)}, brotli ${kb(br)} (${parts.join(", ")}) | ${(br / goal).toFixed(2)}× the goal | ≤ 250 KB brotli | ${br <= goal ? "pass" : "FAIL"} |`);
