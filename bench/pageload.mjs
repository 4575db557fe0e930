// The page load figure: Payer Support (showing one account's search
// results) in headless Chromium on loopback, from navigation start to the
// moment the client has hydrated it (body[data-hydrated], set when the
// WebAssembly has taken over: the page is interactive). Cold: a new browser
// context each time, nothing cached. Warm: the same tab again, the
// WebAssembly cached. Throttled: cold again, on a tablet on shop Wi-Fi as
// issue 17 puts it: the CPU 4× slower and the network shaped to 20 Mbit/s
// with 40 ms round trips (Chromium's DevTools protocol). Each load also
// counts the bytes that crossed the wire (encoded, headers included).
// Prints Markdown table rows.
// Usage: node bench/pageload.mjs BASE_URL ACCOUNT_NUMBER
import { createRequire } from "node:module";

const require = createRequire(new URL("../end2end/package.json", import.meta.url));
const { chromium } = require("@playwright/test");

const [base, account] = process.argv.slice(2);
const COLD = 10, WARM = 20;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
// Notes the time hydration finished, relative to navigation start.
const watch = () => {
  new MutationObserver((_, obs) => {
    if (document.body?.dataset.hydrated === "true") { window.__hydratedAt = performance.now(); obs.disconnect(); }
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated"] });
};
const url = `${base}/payer-support?by=account&q=${encodeURIComponent(account)}`;

// Bytes on the wire per page, summed from the DevTools protocol's
// Network.loadingFinished (encodedDataLength: compressed body and headers).
const wire = new WeakMap();
async function countBytes(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  wire.set(page, 0);
  cdp.on("Network.loadingFinished", (e) => wire.set(page, wire.get(page) + e.encodedDataLength));
  return cdp;
}

async function timeLoad(page) {
  wire.set(page, 0);
  await page.goto(url, { waitUntil: "commit" });
  await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 60_000 });
  const found = await page.locator("#accounts-table").count();
  if (found === 0) throw new Error(`no Accounts Found on ${url}`);
  return page.evaluate(() => window.__hydratedAt);
}

const signedIn = await browser.newContext();
const login = await signedIn.newPage();
await login.goto(`${base}/sign-in?next=/payer-support`);
await login.getByLabel("Login ID").fill("csr");
await login.getByLabel("Password").fill("paydesk-csr-demo-1");
await login.getByRole("button", { name: "Sign in" }).click();
await login.waitForURL((u) => u.pathname === "/payer-support");
const cookies = await signedIn.cookies();

// Cold loads, each in a new context; `shape` throttles the page first.
async function coldLoads(n, shape) {
  const times = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const ctx = await browser.newContext();
    await ctx.addCookies(cookies);
    await ctx.addInitScript(watch);
    const page = await ctx.newPage();
    const cdp = await countBytes(page);
    if (shape) await shape(cdp);
    times.push(await timeLoad(page));
    bytes = wire.get(page);
    await ctx.close();
  }
  return { times, bytes };
}

const cold = await coldLoads(COLD);
const shaped = await coldLoads(COLD, async (cdp) => {
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  // 20 Mbit/s each way, 40 ms added to every round trip.
  const bytesPerSecond = (20 * 1000 * 1000) / 8;
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false, latency: 40, downloadThroughput: bytesPerSecond, uploadThroughput: bytesPerSecond,
  });
});
await signedIn.addInitScript(watch);
const tab = await signedIn.newPage();
await countBytes(tab);
await timeLoad(tab);
const warm = [];
for (let i = 0; i < WARM; i++) warm.push(await timeLoad(tab));
const warmBytes = wire.get(tab);
await browser.close();

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(xs.length * p) - 1)];
const ms = (x) => `${Math.round(x)} ms`;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const worst = Math.max(...cold.times, ...warm);
console.log(`| page load: Payer Support to interactive (headless Chromium) | cold cache p50 ${ms(pct(cold.times, 0.5))}, worst ${ms(Math.max(...cold.times))} (${COLD} loads, ${kb(cold.bytes)} on the wire); warm p50 ${ms(pct(warm, 0.5))}, worst ${ms(Math.max(...warm))} (${WARM} loads, ${kb(warmBytes)} on the wire) | ${(worst / 1000).toFixed(2)}× the goal at the worst load | ≤ 1 s | ${worst <= 1000 ? "pass" : "FAIL"} |`);
const slow = Math.max(...shaped.times);
console.log(`| page load: Payer Support to interactive, CPU 4× slower, 20 Mbit/s, 40 ms round trips | cold cache p50 ${ms(pct(shaped.times, 0.5))}, worst ${ms(slow)} (${COLD} loads, ${kb(shaped.bytes)} on the wire) | ${(slow / 1000).toFixed(2)}× the goal at the worst load | ≤ 1 s | ${slow <= 1000 ? "pass" : "FAIL"} |`);
