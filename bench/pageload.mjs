// The page load figure: Payer Support (showing one account's search
// results) in headless Chromium on loopback, from navigation start to the
// moment the client has hydrated it (body[data-hydrated], set when the
// WebAssembly has taken over: the page is interactive). Cold: a new browser
// context each time, nothing cached. Warm: the same tab again, the
// WebAssembly cached. Prints one Markdown table row.
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

async function timeLoad(page) {
  await page.goto(url, { waitUntil: "commit" });
  await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 30_000 });
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

const cold = [];
for (let i = 0; i < COLD; i++) {
  const ctx = await browser.newContext();
  await ctx.addCookies(cookies);
  await ctx.addInitScript(watch);
  cold.push(await timeLoad(await ctx.newPage()));
  await ctx.close();
}
await signedIn.addInitScript(watch);
const tab = await signedIn.newPage();
await timeLoad(tab);
const warm = [];
for (let i = 0; i < WARM; i++) warm.push(await timeLoad(tab));
await browser.close();

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(xs.length * p) - 1)];
const ms = (x) => `${Math.round(x)} ms`;
const worst = Math.max(...cold, ...warm);
console.log(`| page load: Payer Support to interactive (headless Chromium) | cold cache p50 ${ms(pct(cold, 0.5))}, worst ${ms(Math.max(...cold))} (${COLD} loads); warm p50 ${ms(pct(warm, 0.5))}, worst ${ms(Math.max(...warm))} (${WARM} loads) | ${(worst / 1000).toFixed(2)}× the goal at the worst load | ≤ 1 s | ${worst <= 1000 ? "pass" : "FAIL"} |`);
