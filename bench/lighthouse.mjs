// Lighthouse's accessibility and performance scores for the pages a CSR
// uses most, signed in: Payer Support, Make Payment, its review, a payment's
// page, and Home (as the administrator: it shows reports). Lighthouse
// 12.2.3's user flow (startFlow) drives Debian's Chromium through
// puppeteer-core, one navigation step per page, each a cold load (cache
// cleared, the session cookie kept). The cookie comes from the sign-in form;
// each step's final URL and heading are checked, so a page that sent
// Lighthouse to sign-in fails the run instead of scoring the sign-in page.
// The review has its own URL (/pay/ACCOUNT/review?r=SEALED), reached by
// filling Make Payment with the sandbox Visa and pressing Confirm; its step
// loads that URL (nothing is paid).
//
// Prints a Markdown table: page, accessibility, performance, and the ids of
// the accessibility audits that failed; under a score below 100, each failing
// element (selector and Lighthouse's explanation) goes to stderr. The flow's
// HTML report and each step's JSON go to BENCH_LH_OUT (default
// target/lighthouse). BENCH_LH_PRESET=mobile scores with Lighthouse's mobile
// settings instead of desktop.
// Usage: node bench/lighthouse.mjs BASE_URL
import { createRequire } from "node:module";
import { mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const toolsDir = process.env.PAYDESK_TOOLS_DIR ?? join(homedir(), ".local/share/paydesk-tools");
const require = createRequire(join(toolsDir, "package.json"));
const puppeteer = require("puppeteer-core");
const { startFlow, desktopConfig, defaultConfig } = await import(pathToFileURL(require.resolve("lighthouse")).href);

const [base] = process.argv.slice(2);
if (!base) throw new Error("usage: node bench/lighthouse.mjs BASE_URL");
const ACCOUNT = "100001";
const preset = process.env.BENCH_LH_PRESET ?? "desktop";
const config = preset === "mobile" ? defaultConfig : desktopConfig;
const outDir = process.env.BENCH_LH_OUT ?? "target/lighthouse";
mkdirSync(outDir, { recursive: true });

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  headless: true,
  args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

const rows = [];
const details = [];
try {
  const page = await browser.newPage();
  const heading = () => page.$eval("h1", (h) => h.textContent.replace(/\s+/g, " ").trim()).catch(() => "(no h1)");

  // Signs in through the form, as a person would, and waits for `next`.
  async function signIn(login, password, next) {
    await page.goto(`${base}/sign-in?next=${encodeURIComponent(next)}`);
    await page.waitForSelector('body[data-hydrated="true"]');
    await page.type("#login", login);
    await page.type("#password", password);
    await Promise.all([
      page.waitForFunction((p) => location.pathname === p && document.querySelector("h1")?.textContent !== "Staff sign-in", {}, next),
      page.click('button[type="submit"]'),
    ]);
  }

  // One cold navigation step; checks where it ended and what it shows.
  async function measure(flow, name, url, wantHeading) {
    process.stderr.write(`[bench] lighthouse: ${name}\n`);
    await flow.navigate(url, { name, disableStorageReset: false });
    const landed = new URL(page.url());
    const want = new URL(url);
    const shown = await heading();
    if (landed.pathname !== want.pathname || shown !== wantHeading) {
      throw new Error(`${name}: the page ended at ${landed.pathname}${landed.search} showing "${shown}", not ${want.pathname} showing "${wantHeading}"`);
    }
  }

  // Each step's scores, once the flow is done (auditing is its last part).
  async function report(flow, file) {
    const result = await flow.createFlowResult();
    writeFileSync(join(outDir, `${file}.html`), await flow.generateReport());
    for (const { lhr, name } of result.steps) {
      if (lhr.runtimeError) throw new Error(`${name}: Lighthouse: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
      const path = new URL(lhr.finalDisplayedUrl).pathname;
      if (path !== new URL(lhr.requestedUrl).pathname) throw new Error(`${name}: Lighthouse ended at ${path}`);
      writeFileSync(join(outDir, `${name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}.json`), JSON.stringify(lhr, null, 1));
      const a11y = lhr.categories.accessibility;
      const failing = a11y.auditRefs
        .filter((r) => r.weight > 0 && lhr.audits[r.id].score !== null && lhr.audits[r.id].score < 1)
        .map((r) => lhr.audits[r.id]);
      for (const audit of failing) {
        for (const item of audit.details?.items ?? []) {
          const node = item.node ?? {};
          details.push(`${name} (${path}): ${audit.id}: ${node.selector ?? "?"}: ${(node.explanation ?? audit.title).replace(/\s+/g, " ")}`);
        }
      }
      const score = (c) => (c.score === null ? "n/a" : Math.round(c.score * 100));
      rows.push(`| ${name} (\`${path}\`) | ${score(a11y)} | ${score(lhr.categories.performance)} | ${failing.map((a) => `\`${a.id}\``).join(", ") || "none"} |`);
    }
  }

  const flags = { onlyCategories: ["accessibility", "performance"], logLevel: "error" };

  // The CSR's pages.
  await signIn("csr", "paydesk-csr-demo-1", "/payer-support");
  const csr = await startFlow(page, { config, flags, name: "Paydesk, signed in as the CSR" });
  await measure(csr, "Payer Support", `${base}/payer-support`, "Payer Support");
  await measure(csr, "Make Payment", `${base}/pay/${ACCOUNT}`, "Make Payment");

  // Make Payment filled with the sandbox Visa and confirmed: the review's URL.
  await page.waitForSelector('body[data-hydrated="true"]');
  const field = async (id, value) => {
    await page.$eval(id, (e) => { e.value = ""; });
    await page.type(id, value);
  };
  await field("#pay-amount", "1.25");
  await page.click('input[name="form[method]"][value="card"]');
  await field("#pay-card_name", "Pat Payer");
  await field("#pay-card_number", "4242 4242 4242 4242");
  await field("#pay-card_expiry", "12/34");
  await field("#pay-card_cvv", "123");
  await field("#pay-card_zip", "02139");
  await Promise.all([
    page.waitForFunction(() => location.pathname.endsWith("/review") && document.querySelector("dl.review")),
    page.click('.actions button[type="submit"]'),
  ]);
  await measure(csr, "Review Payment", page.url(), "Review Payment");

  // A payment of the account, from its page.
  await page.goto(`${base}/accounts/${ACCOUNT}`);
  const reference = await page.$$eval('a[href^="/payments/"]', (links) =>
    links.map((a) => a.getAttribute("href")).find((h) => /^\/payments\/[^/]+$/.test(h))?.slice("/payments/".length));
  if (!reference) throw new Error(`no payment link on /accounts/${ACCOUNT}`);
  await measure(csr, "Payment details", `${base}/payments/${reference}`, `Payment ${decodeURIComponent(reference)}`);
  await report(csr, "csr-flow");

  // Home, as the administrator (the CSR's cookie dropped first).
  const cdp = await page.createCDPSession();
  await cdp.send("Network.clearBrowserCookies");
  await signIn("admin", "paydesk-admin-demo", "/");
  const admin = await startFlow(page, { config, flags, name: "Paydesk, signed in as the administrator" });
  await measure(admin, "Home", `${base}/`, "Home");
  await report(admin, "admin-flow");
} finally {
  await browser.close();
}

console.log(`| page (Lighthouse 12.2.3, ${preset}) | accessibility | performance | failing accessibility audits |`);
console.log("|---|---|---|---|");
for (const row of rows) console.log(row);
for (const line of details) process.stderr.write(`[bench] lighthouse: ${line}\n`);
