import { defineConfig, devices } from "@playwright/test";
import * as path from "node:path";

// Debian's Chromium: Playwright never downloads a browser here.
const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

// E2E_ADDR moves the server (scripts/e2e-server.sh) and the tests together.
const base = process.env.E2E_BASE_URL ?? `http://${process.env.E2E_ADDR ?? "127.0.0.1:3100"}`;
// The biller-* projects change what the whole biller charges and how it is
// divided (fees, categories, divisions): another spec's payment would meet
// them. They get a server and database of their own, so they run beside
// the other projects instead of after them (CI has two cores and each
// serial chain keeps only one busy).
const billerAddr = process.env.E2E_BILLER_ADDR ?? "127.0.0.1:3101";
const billerTmp = path.join(__dirname, ".tmp-biller");
const desktop = { viewport: { width: 1280, height: 800 } };
const tablet = { viewport: { width: 768, height: 1024 }, hasTouch: true };

export default defineConfig({
  testDir: "./tests",
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [["list"], ["json", { outputFile: process.env.E2E_RESULTS ?? "test-results/results.json" }]],
  timeout: 30_000,
  expect: { timeout: 7_000 },
  use: {
    baseURL: base,
    launchOptions: chromium,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    { name: "desktop-js", testIgnore: /settle|a11y|plans|fees|categor|divisions/, use: { ...devices["Desktop Chrome"], ...desktop, launchOptions: chromium } },
    { name: "desktop-nojs", testIgnore: /settle|a11y|plans|fees|categor|divisions/, use: { ...devices["Desktop Chrome"], ...desktop, javaScriptEnabled: false, launchOptions: chromium } },
    { name: "tablet-js", testIgnore: /settle|a11y|plans|fees|categor|divisions/, use: { ...tablet, launchOptions: chromium } },
    { name: "tablet-nojs", testIgnore: /settle|a11y|plans|fees|categor|divisions/, use: { ...tablet, javaScriptEnabled: false, launchOptions: chromium } },
    // axe's scans are heavy on the CPU: they run after the flows, so that a
    // page of another spec is never left waiting to hydrate beside them.
    ...(["desktop-js", "desktop-nojs", "tablet-js", "tablet-nojs"] as const).map((name) => ({
      name: `a11y-${name}`,
      testMatch: /a11y/,
      dependencies: ["desktop-js", "desktop-nojs", "tablet-js", "tablet-nojs"],
      use: {
        ...(name.startsWith("desktop") ? { ...devices["Desktop Chrome"], ...desktop } : tablet),
        javaScriptEnabled: name.endsWith("-js"),
        launchOptions: chromium,
      },
    })),
    // `paydesk run-plans` starts every Scheduled payment due by its date,
    // so one project's pass would start another's plan payment before that
    // project saw it Scheduled: the plans' projects run one after the other.
    ...(["desktop-js", "desktop-nojs", "tablet-js", "tablet-nojs"] as const).map((name, i, all) => ({
      name: `plans-${name}`,
      testMatch: /plans/,
      fullyParallel: false,
      dependencies:
        i === 0 ? ["a11y-desktop-js", "a11y-desktop-nojs", "a11y-tablet-js", "a11y-tablet-nojs"] : [`plans-${all[i - 1]}`],
      use: {
        ...(name.startsWith("desktop") ? { ...devices["Desktop Chrome"], ...desktop } : tablet),
        javaScriptEnabled: name.endsWith("-js"),
        launchOptions: chromium,
      },
    })),
    // Settling moves every Pending payment, so these run last, one after the other.
    {
      name: "settle-desktop-js",
      testMatch: /settle/,
      fullyParallel: false,
      dependencies: ["plans-tablet-nojs"],
      use: { ...devices["Desktop Chrome"], ...desktop, launchOptions: chromium },
    },
    {
      name: "settle-tablet-nojs",
      testMatch: /settle/,
      fullyParallel: false,
      dependencies: ["settle-desktop-js"],
      use: { ...tablet, javaScriptEnabled: false, launchOptions: chromium },
    },
    // The biller's own settings (fees, categories, divisions), on the
    // second server: one project after another, one spec at a time, since
    // each spec changes what the next one's payments meet.
    ...(["desktop-js", "desktop-nojs", "tablet-js", "tablet-nojs"] as const).map((name, i, all) => ({
      name: `biller-${name}`,
      testMatch: /fees|categor|divisions/,
      fullyParallel: false,
      workers: 1,
      dependencies: i === 0 ? [] : [`biller-${all[i - 1]}`],
      // helpers.ts follows `tmp` to this server's database and outbox.
      metadata: { tmp: billerTmp },
      use: {
        ...(name.startsWith("desktop") ? { ...devices["Desktop Chrome"], ...desktop } : tablet),
        baseURL: `http://${billerAddr}`,
        javaScriptEnabled: name.endsWith("-js"),
        launchOptions: chromium,
      },
    })),
  ],
  webServer: [
    {
      command: "bash ../scripts/e2e-server.sh",
      url: `${base}/readyz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      command: `E2E_TMP=${billerTmp} E2E_ADDR=${billerAddr} bash ../scripts/e2e-server.sh`,
      url: `http://${billerAddr}/readyz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "ignore",
      stderr: "pipe",
    },
  ],
});
